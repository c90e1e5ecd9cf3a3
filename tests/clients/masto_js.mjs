// Drives masto.js (pinned in package-lock.json) against the test server: reads the home
// timeline with the token Mastodon.py obtained and finds the statuses it posted.
// Prints `PASS: name` / `FAIL: name: reason` lines for run.sh; exits 1 on any failure.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { createRestAPIClient } from "masto";

const URL_ = process.env.STARLING_URL;
const USERNAME = process.env.STARLING_USERNAME;
const state = JSON.parse(readFileSync(join(process.env.CLIENT_WORK, "state.json"), "utf8"));
let failures = 0;

class CheckFailed extends Error {}
const expect = (cond, msg) => {
  if (!cond) throw new CheckFailed(msg);
};
const expectEq = (actual, expected, what) => {
  if (JSON.stringify(actual) !== JSON.stringify(expected)) {
    throw new CheckFailed(`${what}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);
  }
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
      process.exit(1);
    }
  }
}

const ctx = {};

await check(
  "masto.js state from Mastodon.py",
  () => {
    expect(state.mpy_token, "Mastodon.py left no token");
    expect(Array.isArray(state.mpy_ids) && state.mpy_ids.length === 3, `ids: ${JSON.stringify(state.mpy_ids)}`);
    ctx.masto = createRestAPIClient({ url: URL_, accessToken: state.mpy_token, timeout: 30000 });
  },
  { required: true },
);

await check("masto.js accounts.verifyCredentials", async () => {
  const me = await ctx.masto.v1.accounts.verifyCredentials();
  expectEq(me.username, USERNAME, "username");
  expect(typeof me.id === "string" && me.id.length > 0, "account id");
  expect(typeof me.source?.privacy === "string", "source.privacy");
  ctx.me = me;
});

await check("masto.js v2 instance", async () => {
  const inst = await ctx.masto.v2.instance.fetch();
  expect(inst.domain, `no domain: ${JSON.stringify(inst)}`);
  expect(typeof inst.configuration?.statuses?.maxCharacters === "number", "configuration.statuses.maxCharacters");
});

await check("masto.js home timeline finds Mastodon.py's statuses (paging through Link headers)", async () => {
  const [cwId, replyId, reply2Id] = state.mpy_ids;
  const want = new Set(state.mpy_ids);
  const seen = [];
  const found = new Map();
  let pages = 0;
  for await (const page of ctx.masto.v1.timelines.home.list({ limit: 10 })) {
    pages++;
    expect(page.length <= 10, `page of ${page.length} for limit 10`);
    for (const s of page) {
      seen.push(s.id);
      if (want.has(s.id)) found.set(s.id, s);
    }
    if (found.size === want.size || pages >= 10) break;
  }
  expectEq(new Set(seen).size, seen.length, "no status seen twice");
  expect(found.size === want.size, `found ${[...found.keys()]} of ${[...want]} in ${pages} pages`);
  expect(pages >= 2, `needed ${pages} page(s): the Python side posted 26 newer statuses`);
  const sorted = [...seen].sort((a, b) => (BigInt(b) > BigInt(a) ? 1 : BigInt(b) < BigInt(a) ? -1 : 0));
  expectEq(seen, sorted, "newest first across pages");
  const cw = found.get(cwId);
  expectEq(cw.spoilerText, `mpy CW ${state.mpy_run}`, "spoilerText (camelCased by masto)");
  expectEq(cw.sensitive, true, "sensitive");
  expect(cw.content.includes(`mpy CW body ${state.mpy_run}`), `content ${cw.content}`);
  expectEq(cw.account.username, USERNAME, "author");
  expectEq(found.get(replyId).inReplyToId, cwId, "inReplyToId");
  expectEq(found.get(reply2Id).inReplyToId, cwId, "inReplyToId of status_reply");
  expect(typeof cw.createdAt === "string" && !Number.isNaN(Date.parse(cw.createdAt)), "createdAt");
});

await check("masto.js statuses.$select().fetch() and context", async () => {
  const [cwId, replyId, reply2Id] = state.mpy_ids;
  const st = await ctx.masto.v1.statuses.$select(cwId).fetch();
  expectEq(st.id, cwId, "id");
  expectEq(st.repliesCount, 2, "repliesCount");
  const c = await ctx.masto.v1.statuses.$select(cwId).context.fetch();
  expectEq(c.descendants.map((s) => s.id).sort(), [replyId, reply2Id].sort(), "descendants");
});

await check("masto.js statuses.create, public timeline, remove", async () => {
  const text = `masto.js post ${state.mpy_run}`;
  const st = await ctx.masto.v1.statuses.create({ status: text, spoilerText: "masto CW", visibility: "public" });
  expectEq(st.spoilerText, "masto CW", "spoilerText");
  const pub = await ctx.masto.v1.timelines.public.list({ limit: 5 });
  expectEq(pub[0]?.id, st.id, "newest public status");
  const local = await ctx.masto.v1.timelines.public.list({ local: true, limit: 5 });
  expectEq(local[0]?.id, st.id, "newest local status");
  const removed = await ctx.masto.v1.statuses.$select(st.id).remove();
  expectEq(removed.id, st.id, "removed id");
  let gone = false;
  try {
    await ctx.masto.v1.statuses.$select(st.id).fetch();
  } catch (e) {
    gone = e?.statusCode === 404;
    if (!gone) throw e;
  }
  expect(gone, "removed status still readable");
});

await check("masto.js v2.search and accounts.lookup", async () => {
  const res = await ctx.masto.v2.search.list({ q: USERNAME, type: "accounts" });
  expectEq(res.accounts.map((a) => a.username), [USERNAME], "accounts found");
  expectEq([res.statuses.length, res.hashtags.length], [0, 0], "no statuses or hashtags");
  const acct = await ctx.masto.v1.accounts.lookup({ acct: USERNAME });
  expectEq(acct.id, ctx.me.id, "lookup id");
  const st = await ctx.masto.v1.accounts.$select(acct.id).statuses.list({ limit: 5 });
  expect(st.length === 5 && st.every((s) => s.account.id === acct.id), "account statuses");
});

await check("masto.js v2.media.create and a status with it", async () => {
  // A 2x1 green PNG.
  const png = Buffer.from(
    "iVBORw0KGgoAAAANSUhEUgAAAAIAAAABCAIAAAB7QOjdAAAADUlEQVR4nGNgOMEARAAFfwGRkkj6EgAAAABJRU5ErkJggg==",
    "base64",
  );
  const media = await ctx.masto.v2.media.create({
    file: new Blob([png], { type: "image/png" }),
    description: "two pixels",
  });
  expectEq(media.type, "image", "type");
  expectEq(media.description, "two pixels", "description");
  const st = await ctx.masto.v1.statuses.create({ status: `masto media ${state.mpy_run}`, mediaIds: [media.id] });
  expectEq(st.mediaAttachments.map((a) => a.id), [media.id], "mediaAttachments");
  const res = await fetch(st.mediaAttachments[0].url);
  expectEq(res.status, 200, "media file served");
  await ctx.masto.v1.statuses.$select(st.id).remove();
});

process.exit(failures ? 1 : 0);
