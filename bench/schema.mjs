// A JSON Schema (draft 2020-12) equivalent to the schema-expressible part of a paicha template:
// what a schema-based form would validate. Covers the submission envelope and, per item, the
// answer's type, enum (yes/no/na, choices), range (min/max), string length, date shape and which
// items are required. Not expressible, hence left out: skip logic (relevance), conditional
// `required`, constraints and compliance rules (findings and grading), lookups, date existence,
// USCC check character; items with skip logic are therefore not in `required`.

const PROVINCES = [
  11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46, 50, 51, 52, 53,
  54, 61, 62, 63, 64, 65, 71, 81, 82,
];

const DEFAULT_MAX_LENGTH = 2000;
const DEFAULT_MAX_COUNT = 100;
const RFC3339 =
  '^\\d{4}-\\d{2}-\\d{2}[Tt ]\\d{2}:\\d{2}:\\d{2}(\\.\\d+)?([Zz]|[+-]\\d{2}:\\d{2})$';

const attachment = {
  type: 'object',
  properties: {
    sha256: { type: 'string', pattern: '^[0-9a-fA-F]{64}$' },
    name: { type: 'string' },
    type: { type: 'string' },
    size: { type: 'number' },
  },
  required: ['sha256'],
  additionalProperties: false,
};

/** Schema of one answer (without null). */
function answerSchema(item) {
  switch (item.type) {
    case 'yes_no':
      return { enum: ['yes', 'no', 'na'] };
    case 'number':
    case 'integer': {
      const s = { type: item.type };
      if (item.min != null) s.minimum = item.min;
      if (item.max != null) s.maximum = item.max;
      return s;
    }
    case 'text':
      return { type: 'string', maxLength: item.max_length ?? DEFAULT_MAX_LENGTH };
    case 'date':
      return { type: 'string', pattern: '^\\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\\d|3[01])$' };
    case 'single_choice':
      return { enum: item.choices.map((c) => c.value) };
    case 'multiple_choice':
      return {
        type: 'array',
        items: { enum: item.choices.map((c) => c.value) },
        uniqueItems: true,
        maxItems: item.choices.length,
        // the template's usual `count-selected(.) >= 1` constraint
        ...(item.constraint === 'count-selected(.) >= 1' ? { minItems: 1 } : {}),
      };
    case 'photo':
      return {
        anyOf: [attachment, { type: 'array', items: attachment, maxItems: item.max_count ?? DEFAULT_MAX_COUNT }],
      };
    case 'signature':
      return attachment;
    case 'geo_point':
      return {
        type: 'object',
        properties: {
          lat: { type: 'number', minimum: -90, maximum: 90 },
          lon: { type: 'number', minimum: -180, maximum: 180 },
          alt: { type: 'number' },
          accuracy: { type: 'number', minimum: 0 },
        },
        required: ['lat', 'lon'],
        additionalProperties: false,
      };
    case 'repeat': {
      const { properties, required } = objectOf(item.items);
      return {
        type: 'array',
        maxItems: item.max_count ?? DEFAULT_MAX_COUNT,
        items: { type: 'object', properties, required, additionalProperties: false },
      };
    }
    default:
      return {};
  }
}

/** Add `null` (unanswered) to an answer schema. */
function nullable(s) {
  if (s.enum) return { ...s, enum: [...s.enum, null] };
  if (typeof s.type === 'string') return { ...s, type: [s.type, 'null'] };
  return { anyOf: [s, { type: 'null' }] };
}

function inScope(item, form, link) {
  return (!item.forms?.length || item.forms.includes(form)) && (!item.links?.length || item.links.includes(link));
}

function objectOf(items, form, link) {
  const properties = {};
  const required = [];
  for (const it of items) {
    if (form && !inScope(it, form, link)) continue;
    // `required: true` without skip logic is the only always-required case a schema can state.
    const always = it.required === true && !it.relevant;
    properties[it.key] = always ? answerSchema(it) : nullable(answerSchema(it));
    if (always) required.push(it.key);
  }
  return { properties, required };
}

/**
 * The schema for submissions of `template` (a raw template object, no `include`s) on a form and
 * link: the envelope, with `answers` restricted to the items of that form and link.
 */
export function toJsonSchema(template, { form = 'self_inspection', link = 'production' } = {}) {
  const { properties, required } = objectOf(template.items, form, link);
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    $id: `urn:paicha:${template.product}:${template.version}:${form}:${link}`,
    title: template.name?.en ?? template.product,
    type: 'object',
    properties: {
      id: { type: 'string', pattern: '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$' },
      product: { const: template.product },
      form: { enum: ['self_inspection', 'onsite_inspection'] },
      link: { enum: ['production', 'sales'] },
      enterprise: {
        type: 'object',
        properties: {
          uscc: { type: 'string', pattern: '^[0-9A-HJ-NPQRTUWXY]{18}$' },
          name: { type: 'string', maxLength: 200, pattern: '\\S' },
          region: { type: 'string', pattern: `^(${PROVINCES.join('|')})\\d{4}$` },
        },
        required: ['uscc', 'name', 'region'],
        additionalProperties: false,
      },
      inspected_at: { type: 'string', pattern: RFC3339 },
      answers: { type: 'object', properties, required, additionalProperties: false },
      template_version: { type: ['string', 'null'] },
      meta: {},
    },
    required: ['id', 'product', 'form', 'link', 'enterprise', 'inspected_at', 'answers'],
    additionalProperties: false,
  };
}
