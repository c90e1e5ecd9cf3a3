// Drives the moderation page (/admin/moderation) in headless Chromium with JavaScript
// turned off, through playwright-core (pinned in package-lock.json) and Debian's
// /usr/bin/chromium: sign-in, domain blocks, CSV import (dry run, import, bad file, upload),
// deletion, accounts, the audit log, the CSRF check and the 403 for plain users.
// Prints `PASS: name` / `FAIL: name: reason` lines for run.sh; exits 1 on any failure.
import { chromium } from "playwright-core";

const BASE = process.env.STARLING_URL;
const ADMIN_EMAIL = process.env.STARLING_ADMIN_EMAIL;
const ADMIN_PASSWORD = process.env.STARLING_ADMIN_PASSWORD;
const USER_EMAIL = process.env.STARLING_EMAIL;
const USER_PASSWORD = process.env.STARLING_PASSWORD;
const USERNAME = process.env.STARLING_USERNAME;
const CHROMIUM = process.env.CHROMIUM_BIN || "/usr/bin/chromium";
let failures = 0;

class CheckFailed extends Error {}
const expect = (cond, msg) => {
  if (!cond) throw new CheckFailed(msg);
};

async function check(name, fn, { required = false } = {}) {
  try {
    await fn();
    console.log(`PASS: ${name}`);
  } catch (e) {
    failures++;
    console.log(`FAIL: ${name}: ${e instanceof CheckFailed ? e.message : e?.stack ?? e}`);
    if (required) {
      console.log(`(stopping: later checks need ${JSON.stringify(name)})`);
      await finish();
    }
  }
}

const browser = await chromium.launch({
  executablePath: CHROMIUM,
  headless: true,
  // Root (CI) cannot use Chromium's sandbox.
  args: ["--no-sandbox"],
});

async function finish() {
  await browser.close().catch(() => {});
  process.exit(failures ? 1 : 0);
}

/** Clicks a submit button and waits for the page the form leads to. */
async function submit(page, locator) {
  await Promise.all([page.waitForEvent("load"), locator.click()]);
}

/** A fresh context without JavaScript, signed in through /auth/sign_in. */
async function signedIn(email, password, path) {
  const context = await browser.newContext({ javaScriptEnabled: false });
  const page = await context.newPage();
  await page.goto(BASE + path);
  const url = new URL(page.url());
  expect(url.pathname === "/auth/sign_in", `not sent to sign in: ${page.url()}`);
  expect(url.searchParams.get("return_to") === path, `return_to: ${page.url()}`);
  await page.fill('input[name="email"]', email);
  await page.fill('input[name="password"]', password);
  await submit(page, page.getByRole("button", { name: "Sign in" }));
  return { context, page };
}

const blockRow = (page, domain) => page.locator(`#blocks tr[data-domain="${domain}"]`);
const ctx = {};

await check("a plain user gets 403", async () => {
  const { context, page } = await signedIn(USER_EMAIL, USER_PASSWORD, "/admin/moderation");
  const resp = await page.goto(BASE + "/admin/moderation");
  expect(resp.status() === 403, `status ${resp.status()}`);
  const text = await page.textContent("main");
  expect(text.includes("for moderators and admins"), `page: ${text}`);
  await context.close();
});

await check(
  "admin signs in and is sent back to the moderation page",
  async () => {
    const { context, page } = await signedIn(ADMIN_EMAIL, ADMIN_PASSWORD, "/admin/moderation");
    expect(new URL(page.url()).pathname === "/admin/moderation", `at ${page.url()}`);
    expect((await page.textContent("h1")) === "Moderation", "no Moderation heading");
    ctx.context = context;
    ctx.page = page;
  },
  { required: true },
);

const page = ctx.page;

await check("domain block added through the form is listed", async () => {
  await page.goto(BASE + "/admin/moderation/domains");
  await page.fill('input[name="domain"]', "xn--mnchen-3ya.example");
  await page.selectOption('select[name="severity"]', "silence");
  await page.check('input[name="reject_media"]');
  await page.fill('input[name="public_comment"]', "Spam & abuse");
  await submit(page, page.getByRole("button", { name: "Block", exact: true }));
  expect(new URL(page.url()).pathname === "/admin/moderation/domains", `at ${page.url()}`);
  // Listed in Unicode, with its punycode beside it.
  const row = blockRow(page, "münchen.example");
  expect((await row.count()) === 1, `no row: ${await page.textContent("main")}`);
  const text = await row.textContent();
  for (const want of ["silence", "reject media", "Spam & abuse", "xn--mnchen-3ya.example"]) {
    expect(text.includes(want), `${want} missing from ${text}`);
  }
});

const CSV =
  "#domain,#severity,#reject_media,#reject_reports,#public_comment,#obfuscate\n" +
  "spam.example,suspend,false,false,Spam,false\n" +
  "limited.example,silence,true,false,,false\n";

await check("import dry run shows the plan and changes nothing", async () => {
  await page.goto(BASE + "/admin/moderation/domains");
  await page.fill('textarea[name="csv"]', CSV);
  await submit(page, page.getByRole("button", { name: "Dry run" }));
  const plan = await page.textContent("#import-plan");
  expect(
    plan.includes("Dry run: 2 new, 0 changed, 0 unchanged, 0 local follows severed; nothing changed."),
    `plan: ${plan}`,
  );
  expect(plan.includes("spam.example: suspend") && plan.includes("limited.example: silence"), `plan: ${plan}`);
  expect((await blockRow(page, "spam.example").count()) === 0, "spam.example blocked by a dry run");
  expect((await blockRow(page, "limited.example").count()) === 0, "limited.example blocked by a dry run");
  // The text stays in the form, ready to import.
  expect((await page.inputValue('textarea[name="csv"]')) === CSV, "the CSV was not kept");
});

await check("import applies the file", async () => {
  await submit(page, page.getByRole("button", { name: "Import", exact: true }));
  const plan = await page.textContent("#import-plan");
  expect(plan.includes("Imported: 2 new, 0 changed"), `plan: ${plan}`);
  expect((await blockRow(page, "spam.example").textContent()).includes("suspend"), "spam.example not suspended");
  const limited = await blockRow(page, "limited.example").textContent();
  expect(limited.includes("silence") && limited.includes("reject media"), `limited.example: ${limited}`);
});

await check("a bad CSV shows the error naming the line and changes nothing", async () => {
  await page.goto(BASE + "/admin/moderation/domains");
  await page.fill(
    'textarea[name="csv"]',
    "#domain,#severity\nfine.example,suspend\nbroken.example,explode\n",
  );
  await submit(page, page.getByRole("button", { name: "Import", exact: true }));
  const error = await page.textContent("#import-error");
  expect(error.includes("line 3"), `error: ${error}`);
  expect((await blockRow(page, "fine.example").count()) === 0, "fine.example was imported");
  expect((await page.locator("#import-plan").count()) === 0, "a plan was shown");
});

await check("a CSV file chosen with the file input is read as a pasted one", async () => {
  await page.goto(BASE + "/admin/moderation/domains");
  const file = "#domain,#severity\nuploaded.example,silence\n";
  await page.setInputFiles('input[name="file"]', {
    name: "blocks.csv",
    mimeType: "text/csv",
    buffer: Buffer.from(file),
  });
  await submit(page, page.getByRole("button", { name: "Dry run" }));
  const plan = await page.textContent("#import-plan");
  expect(plan.includes("uploaded.example: silence"), `plan: ${plan}`);
  expect((await blockRow(page, "uploaded.example").count()) === 0, "blocked by a dry run");
  // What the dry run read is in the text box: Import applies exactly that.
  expect((await page.inputValue('textarea[name="csv"]')) === file, "the file's text is not in the box");
  await submit(page, page.getByRole("button", { name: "Import", exact: true }));
  expect((await blockRow(page, "uploaded.example").count()) === 1, "uploaded.example not imported");
});

await check("a block is deleted with its button", async () => {
  await page.goto(BASE + "/admin/moderation/domains");
  await submit(page, page.getByRole("button", { name: "Delete the block of spam.example" }));
  expect((await blockRow(page, "spam.example").count()) === 0, "spam.example still listed");
  expect((await blockRow(page, "limited.example").count()) === 1, "limited.example went too");
});

await check("a POST without the CSRF token is refused", async () => {
  const cookies = await ctx.context.cookies(BASE);
  const session = cookies.find((c) => c.name === "_starling_session");
  expect(session, "no session cookie");
  const resp = await fetch(BASE + "/admin/moderation/domains", {
    method: "POST",
    redirect: "manual",
    headers: {
      cookie: `${session.name}=${session.value}`,
      "content-type": "application/x-www-form-urlencoded",
    },
    body: new URLSearchParams({ domain: "sneaky.example", severity: "suspend" }),
  });
  expect(resp.status === 403, `status ${resp.status}`);
  await page.goto(BASE + "/admin/moderation/domains");
  expect((await blockRow(page, "sneaky.example").count()) === 0, "sneaky.example was blocked");
});

await check("the reports queue opens", async () => {
  const resp = await page.goto(BASE + "/admin/moderation/reports");
  expect(resp.status() === 200, `status ${resp.status()}`);
  expect((await page.textContent("main")).includes("No open report."), "no empty queue");
});

await check("an account is suspended and unsuspended from the list", async () => {
  await page.goto(BASE + "/admin/moderation/accounts?origin=local");
  const row = page.locator(`#accounts tr[data-acct="${USERNAME}"]`);
  expect((await row.count()) === 1, `no row for ${USERNAME}`);
  await submit(page, row.getByRole("button", { name: "Suspend", exact: true }));
  await page.goto(BASE + "/admin/moderation/accounts?origin=local");
  expect((await row.textContent()).includes("suspended"), `row: ${await row.textContent()}`);
  await submit(page, row.getByRole("button", { name: "Unsuspend" }));
  await page.goto(BASE + "/admin/moderation/accounts?origin=local");
  expect(!(await row.textContent()).includes("suspended"), `row: ${await row.textContent()}`);
});

await check("the audit log names the admin", async () => {
  await page.goto(BASE + "/admin/moderation");
  const log = await page.textContent("#audit-log");
  for (const want of ["domain_block.create", "domain_block.delete", "account.suspend", "account.unsuspend"]) {
    expect(log.includes(want), `${want} missing from the log`);
  }
  expect(log.includes("root"), "the admin is not named");
});

await finish();
