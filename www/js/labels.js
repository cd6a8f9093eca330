// The names of the follow-up actions (report `actions[].kind`, policy.json) and of the spot-check
// measures of SAMR Order 18: one dictionary for every page that shows them (the app, the ledger
// page, the demo), so a measure reads the same everywhere. Imports nothing.

/** kind -> {zh, en}, the shape of template texts (i18n.js `tt` shows one). */
export const ACTION_LABELS = {
  stop_production_sale: { zh: '立即停止生产销售', en: 'Stop production and sale' },
  rectify: { zh: '限期整改', en: 'Rectify by the deadline' },
  recheck: { zh: '复查', en: 'Re-check' },
  report_to_government: { zh: '报告地方政府', en: 'Report to the local government' },
  serious_violation_list: { zh: '列入严重违法失信名单', en: 'Serious-violation list' },
  credit_publicity: { zh: '信用公示', en: 'Credit publicity' },
  revoke_certificate: { zh: '吊销证书', en: 'Revoke the certificate' },
  // The policy asks for a review: only a suspected crime is transferred (policy.json "about").
  judicial_transfer_review: { zh: '研判是否移送司法机关', en: 'Review for transfer to the judicial organs' },
  hand_over_to_department: { zh: '移交主管部门', en: 'Hand over to the competent department' },
  two_way_tracing: { zh: '双向追溯', en: 'Two-way tracing' },
  assist: { zh: '协查', en: 'Assist request' },
};

/** Spot-check follow-up tasks (SAMR Order 18), by task kind. */
export const SPOT_TASK_LABELS = {
  stop_production_sale: { zh: '立即停止生产销售', en: 'Stop production and sale at once' },
  correct: { zh: '整改', en: 'Correct' },
  recheck: { zh: '复查', en: 'Re-check' },
  trace_upstream: { zh: '向上游追溯', en: 'Trace upstream' },
  trace_downstream: { zh: '向下游追溯', en: 'Trace downstream' },
  public_announcement: { zh: '公告', en: 'Public announcement' },
  second_recheck: { zh: '第二次复查', en: 'Second re-check' },
  suspend_and_reorganise: { zh: '责令停业整顿', en: 'Suspend and reorganise' },
};

/** Violation kinds (src/policy.rs Violation): what an inspector chooses for a danger recorded by hand. */
export const VIOLATION_LABELS = {
  unlicensed_production: { zh: '无证生产', en: 'Unlicensed production' },
  out_of_scope_production: { zh: '超范围生产', en: 'Production outside the licence' },
  uncertified_product: { zh: '未获强制性认证', en: 'No compulsory certification' },
  forged_certificate: { zh: '伪造、冒用证书或标志', en: 'Forged or misused certificate or mark' },
  counterfeit: { zh: '假冒', en: 'Counterfeit' },
  adulteration: { zh: '掺杂掺假、以假充真、以次充好', en: 'Adulteration, fakes, inferior for superior' },
  substandard: { zh: '不符合强制性标准（不合格）', en: 'Fails a mandatory standard' },
  uninspected_release: { zh: '未经检验出厂', en: 'Released without factory inspection' },
  illegal_modification: { zh: '非法改装', en: 'Illegal modification' },
  unlicensed_operation: { zh: '无证经营（他部门许可）', en: "Operating without another department's permit" },
  eliminated_product: { zh: '国家明令淘汰的产品', en: 'Product the state ordered eliminated' },
};

/** A label in `lang` ('zh' or 'en'), or the code itself for a kind this page does not know yet. */
export const labelOf = (table, kind, lang) => table[kind]?.[lang === 'en' ? 'en' : 'zh'] ?? kind;

/** Why a locality is flagged (src/campaign/progress.rs FlagCode): said before the reason, so a
 * milestone not yet due reads apart from one already missed. */
export const FLAG_LABELS = {
  behind: { zh: '已滞后', en: 'Behind' },
  due_soon: { zh: '即将到期', en: 'Due soon' },
  overdue_dangers: { zh: '隐患超期', en: 'Dangers overdue' },
  spot_overdue: { zh: '抽查复检超期', en: 'Spot re-checks overdue' },
};

/** A flag as the pages show it: `已滞后：企业自查覆盖率 0%，应于 07-15 前达到 50%`. */
export const flagText = (f, lang) => `${labelOf(FLAG_LABELS, f.code, lang)}${lang === 'en' ? ': ' : '：'}${lang === 'en' ? f.reason.en : f.reason.zh}`;

/** Licence and certificate kinds of the register (src/campaign/register.rs CertificateKind). */
export const CERTIFICATE_LABELS = {
  production_licence: { zh: '生产许可证', en: 'Production licence' },
  ccc: { zh: 'CCC证书', en: 'CCC certificate' },
  hazardous_chemical_business: { zh: '危险化学品经营许可证', en: 'Hazardous chemicals business licence' },
  hazardous_chemical_safety_production: { zh: '危险化学品安全生产许可证', en: 'Hazardous chemicals safety production licence' },
  cylinder_filling: { zh: '气瓶充装许可证', en: 'Cylinder filling licence' },
  fireworks_business: { zh: '烟花爆竹经营许可证', en: 'Fireworks business licence' },
  fuel_retail: { zh: '成品油零售经营批准证书', en: 'Fuel retail approval' },
  other: { zh: '其他证照', en: 'Other licence' },
};

/** Key-object flags of the register (src/campaign/register.rs KeyFlag). */
export const KEY_FLAG_LABELS = {
  industrial_cluster: { zh: '产业集聚区', en: 'Industrial cluster' },
  rural_market: { zh: '农村和城乡结合部', en: 'Rural or urban-fringe market' },
  complaints: { zh: '投诉举报集中', en: 'Complaints or public opinion' },
  repeated_spot_failures: { zh: '多次抽查发现问题', en: 'Repeated spot-check failures' },
  previous_major_danger: { zh: '曾有重大隐患', en: 'Previous major danger' },
};
