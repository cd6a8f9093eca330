// How the express page writes grades, money and running clocks (text only; the core computes them).

/** 12345678 -> "1,234.5678 万元"-style figures are hard to read at the scene: yuan with separators. */
export const moneyText = (yuan) => `${Number(yuan).toLocaleString('zh-CN')} 元`;

const ROMAN = { I: 'Ⅰ', II: 'Ⅱ', III: 'Ⅲ', IV: 'Ⅳ' };
/** "Ⅲ级 较大" / "Grade III (serious)". */
export const gradeText = (g, t) => `${t('gradeWord').replace('{g}', ROMAN[g] ?? g)} ${t(`grade${g}`)}`;

/** Seconds as "1小时05分" or, under an hour, "12分07秒" (with seconds: the clock visibly runs). */
function span(s, t) {
  const a = Math.abs(s);
  const h = Math.floor(a / 3600);
  const m = Math.floor((a % 3600) / 60);
  const sec = a % 60;
  if (h > 0) return t('hm').replace('{h}', String(h)).replace('{m}', String(m).padStart(2, '0'));
  return t('ms').replace('{m}', String(m)).replace('{s}', String(sec).padStart(2, '0'));
}

/** One clock line: its name, deadline and where it stands. */
export function clockText(c, t) {
  const label = t(`clock_${c.kind}`);
  const due = c.due_date ?? c.due.slice(0, 16).replace('T', ' ');
  if (c.kind === 'summary') {
    const d = c.days_left ?? 0;
    const where = { running: t('daysLeft', d), overdue: t('daysOver', -d), met: t('doneInTime'), late: t('doneLateDays', -d) }[c.state];
    return `${label} · ${t('due')} ${due} · ${where}`;
  }
  const s = c.seconds_left ?? 0;
  const where = { running: `${t('left')} ${span(s, t)}`, overdue: `${t('over')} ${span(s, t)}`, met: t('doneInTime'), late: `${t('doneLate')} ${span(s, t)}` }[c.state];
  return `${label} · ${t('due')} ${due} · ${where}`;
}
