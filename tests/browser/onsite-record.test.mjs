// Who inspected and the on-site inspection record (现场检查笔录), in a real Chromium against the
// real server (issue 13, items 7 and 8): an inspector signed in on a tablet starts an on-site
// cement checklist and finds the first inspector filled from the account; fills both inspectors
// with their certificate numbers, the representative, the place, signs for both sides with the
// keyboard, finds an unlicensed production; prints the record offline from the draft (a
// provisional mark, no number); submits, and once sent prints it from the sent list: numbered by
// the server in the bureau's series, the findings with their legal basis, both inspectors and
// certificates, the signatures as images, and the short hash of the stored record. Printed to PDF
// through Chromium (A4) and rendered to PNG to be looked at. A second on-site draft is pre-filled
// with the inspector's own name and number, and the colleague is offered to pick.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, existsSync, readFileSync } from 'node:fs';
import { launch, openApp, startServer, cleanup, token, root, signIn, startChecklist, item } from './helpers.mjs';

const shots = `${root}/target/screenshots`;

async function typeSignature(page, key, name) {
  await page.locator(`${item(key)} .typed-signature input`).scrollIntoViewIfNeeded();
  await page.focus(`${item(key)} .typed-signature input`);
  await page.keyboard.type(name);
  await page.keyboard.press('Tab');
  await page.keyboard.press('Enter');
  await page.waitForSelector(`${item(key)} img.signature-image[src^="blob:"]`);
}

async function fillText(page, key, value) {
  await page.locator(`${item(key)} input[type=text]`).scrollIntoViewIfNeeded();
  await page.fill(`${item(key)} input[type=text]`, value);
}

test('the on-site record names both inspectors and prints as a numbered inspection record', async () => {
  mkdirSync(shots, { recursive: true });
  const server = await startServer();
  const tablet = await launch();
  try {
    const page = await openApp(tablet.ctx, server.url, '?nosw');
    const missing = [];
    page.on('response', (r) => { if (r.status() === 404) missing.push(r.url()); });
    await signIn(page, 'jiancha');
    await startChecklist(page, { role: 'inspector', product: 'cement', link: 'production' });
    // The first inspector is the signed-in account.
    assert.equal(await page.inputValue(`${item('onsite.inspector1_name')} input`), '贵阳市市场监管局 检查员');
    await fillText(page, 'onsite.inspector1_name', '王明');
    await fillText(page, 'onsite.inspector1_certificate', '52010021001');
    // One inspector twice is refused at once.
    await fillText(page, 'onsite.inspector2_name', '王明');
    await page.waitForSelector(`${item('onsite.inspector2_name')}.has-error`);
    await fillText(page, 'onsite.inspector2_name', '李华');
    await fillText(page, 'onsite.inspector2_certificate', '52010021002');
    await fillText(page, 'onsite.representative_name', '张强');
    await fillText(page, 'onsite.representative_position', '厂长');
    await fillText(page, 'onsite.place', '贵阳市南明区示例路 1 号');
    await page.locator(`${item('licence.production_licence_valid')} input[value=no]`).scrollIntoViewIfNeeded();
    await page.check(`${item('licence.production_licence_valid')} input[value=no]`);
    await typeSignature(page, 'onsite.inspector1_signature', '王明');
    await typeSignature(page, 'onsite.inspector2_signature', '李华');
    await typeSignature(page, 'onsite.enterprise_signature', '张强');
    await page.waitForSelector('.save-status:text("已保存在本机")');
    for (const k of ['onsite.inspector1_name', 'onsite.inspector2_certificate', 'onsite.enterprise_signature']) {
      assert.equal(await page.$eval(item(k), (e) => e.classList.contains('has-error')), false, k);
    }

    // Offline, from the draft: a provisional record (the print dialog itself is not opened here).
    await page.evaluate(() => { window.print = () => {}; });
    await tablet.ctx.setOffline(true);
    await page.click('.record-head button.print-record');
    await page.waitForSelector('.print-area .doc.inspection-record.provisional');
    let text = await page.textContent('.print-area .doc');
    assert.match(text, /临时文书：记录尚未上传，未编号/);
    assert.match(text, /王明（执法证号：52010021001）、李华（执法证号：52010021002）/);
    await tablet.ctx.setOffline(false);

    // Submitted (the rest of the checklist left open: confirmed), sent, printed from the sent list.
    const id = await page.getAttribute('.print-area .doc', 'data-record');
    await page.click('.submit-row button');
    await page.click('.submit-row button');
    await page.waitForSelector(`.records.sent li[data-id="${id}"]`, { timeout: 30000 });
    await page.evaluate(() => { window.print = () => {}; });
    await page.click(`.records.sent li[data-id="${id}"] button.print-record`);
    await page.waitForSelector('.print-area .doc.inspection-record:not(.provisional)');
    text = await page.textContent('.print-area .doc');
    assert.match(text, /贵阳市市场监督管理局/);
    assert.match(text, /现场检查笔录/);
    assert.match(text, /520102市监检〔\d{4}〕第1号/);
    assert.match(text, /检查人员：王明（执法证号：52010021001）、李华（执法证号：52010021002）/);
    assert.match(text, /负责人或陪同人员：张强，职务：厂长/);
    assert.match(text, /检查地点：贵阳市南明区示例路 1 号/);
    assert.match(text, /无证生产（重大隐患）/);
    assert.match(text, /依据：《工业产品生产许可证管理条例》第五条/);
    assert.match(text, /责令立即停止生产、销售/);
    assert.equal(await page.$$eval('.print-area img.doc-signature', (l) => l.filter((i) => i.complete && i.naturalWidth > 0).length), 3);
    // The printed hash is the stored record's.
    const tok = await token(server, 'jiancha');
    const issued = await (await fetch(`${server.url}/api/v1/documents?record=${id}`, { headers: { authorization: `Bearer ${tok}` } })).json();
    assert.equal(issued.items.length, 1);
    assert.equal(issued.items[0].kind, 'inspection_record');
    assert.match(text, new RegExp(`记录指纹 ${issued.items[0].record_sha256.slice(0, 12)}`));
    const stored = await (await fetch(`${server.url}/api/v1/submissions/${id}`, { headers: { authorization: `Bearer ${tok}` } })).json();
    assert.equal(stored.submission.answers['onsite.inspector2_certificate'], '52010021002');

    // On A4 through Chromium's print, rendered to look at.
    await page.emulateMedia({ media: 'print' });
    await page.pdf({ path: `${shots}/inspection-record.pdf`, format: 'A4', printBackground: true });
    await page.emulateMedia({ media: 'screen' });
    // One A4 page (Chromium writes its page objects uncompressed); a PNG of it to look at where
    // poppler is installed (not a requirement of the test command).
    const pdf = readFileSync(`${shots}/inspection-record.pdf`, 'latin1');
    assert.equal(pdf.match(/\/Type \/Page\b/g)?.length, 1);
    assert.match(pdf, /\/MediaBox \[0 0 595\.9\d* 842\.8\d*\]/);
    if (existsSync('/usr/bin/pdftoppm')) {
      execFileSync('pdftoppm', ['-png', '-r', '60', `${shots}/inspection-record.pdf`, `${shots}/inspection-record`]);
    }

    // The next on-site draft knows the inspector and offers the colleague.
    await page.evaluate(() => document.querySelector('.print-area')?.replaceChildren());
    await startChecklist(page, { role: 'inspector', product: 'gas-stove', link: 'sales' });
    assert.equal(await page.inputValue(`${item('onsite.inspector1_name')} input`), '王明');
    assert.equal(await page.inputValue(`${item('onsite.inspector1_certificate')} input`), '52010021001');
    const offered = await page.$$eval(`${item('onsite.inspector2_name')} datalist option`, (l) => l.map((o) => o.value));
    assert.deepEqual(offered, ['李华']);
    // The only 404s are the upload's resume probes of photos not yet on the server.
    assert.ok(missing.every((u) => /\/api\/v1\/attachments\/[0-9a-f]{64}\/status$/.test(u)), missing.join());
    assert.deepEqual(page.errors.filter((e) => !e.includes('404 (Not Found)')), []);
  } finally {
    await tablet.close();
    await server.stop();
    cleanup(tablet.userDataDir, server.dataDir);
  }
});
