// A web UI that is not ours, served by a real master with --webui_dir, in headless chromium: the
// fixture UI (fixtures/foreign-webui/) loads and polls the way Apache Mesos's own web UI does
// (JSONP <script>s to the leader and to agents by host name, inline styles and script, a web
// font from its directory) and must render the cluster with no Content-Security-Policy
// violation. The page is opened by IP while the master and agent call themselves `localhost`, so
// the polls of the leader and the agent cross origins, as they do in a real cluster.
import assert from 'node:assert/strict';
import { copyFileSync, cpSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { Daemon, ROOT, spawnMesos, startCluster, tempDir, waitFor } from '../helpers/cluster.ts';
import { type PageRecord, chromiumMissing, launchChromium, openPage, screenshot } from './chromium.ts';

const FIXTURE = path.join(ROOT, 'test', 'browser', 'fixtures', 'foreign-webui');
const SYSTEM_FONTS = '/usr/share/fonts';

/** The smallest TrueType font the machine has (chromium's fontconfig dependency brings some). */
function systemTrueTypeFont(): string {
  const found: { file: string; size: number }[] = [];
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile() && e.name.endsWith('.ttf')) found.push({ file: p, size: statSync(p).size });
    }
  };
  try {
    walk(SYSTEM_FONTS);
  } catch {
    // No font directory at all: reported below.
  }
  if (found.length === 0) throw new Error(`no .ttf font under ${SYSTEM_FONTS}: install one, e.g. apt-get install -y fonts-dejavu-core`);
  return found.sort((a, b) => a.size - b.size || a.file.localeCompare(b.file))[0]!.file;
}

/** The fixture UI in a fresh directory, with a system font as its web font. */
function foreignWebuiDir(): string {
  const dir = tempDir('foreign-webui');
  cpSync(FIXTURE, dir, { recursive: true });
  mkdirSync(path.join(dir, 'fonts'));
  copyFileSync(systemTrueTypeFont(), path.join(dir, 'fonts', 'fixture.ttf'));
  return dir;
}

// Collects what the page's policy blocked, before any of the page's own scripts run.
const RECORD_VIOLATIONS = `
  window.__cspViolations = [];
  document.addEventListener('securitypolicyviolation', (e) => {
    window.__cspViolations.push(e.violatedDirective + ' blocked ' + (e.blockedURI || 'inline'));
  });
`;

describe('a foreign web UI under --webui_dir in chromium', { skip: chromiumMissing }, () => {
  let cluster: Awaited<ReturnType<typeof startCluster>>;
  let sleeper: Daemon | undefined;
  let browser: Browser;
  let rec: PageRecord;
  let page: Page;
  const consoleCsp: string[] = [];
  const requested: string[] = [];

  before(async () => {
    const dir = foreignWebuiDir();
    // --hostname=localhost: leader_info and the agent's hostname name `localhost`, which the
    // browser resolves, while the page itself is opened at 127.0.0.1.
    cluster = await startCluster(['--hostname=localhost', `--webui_dir=${dir}`], ['--hostname=localhost']);
    const proc = spawnMesos(['execute', `--master=127.0.0.1:${cluster.master.port}`, '--name=fixture-sleeper', '--command=sleep 300']);
    sleeper = new Daemon('execute', proc, 0, '');
    await waitFor('the task running', async () => {
      const { tasks } = await cluster.master.json<{ tasks: { name: string; state: string }[] }>('/master/tasks');
      return tasks.some((t) => t.name === 'fixture-sleeper' && t.state === 'TASK_RUNNING');
    });
    browser = await launchChromium();
    rec = await openPage(browser);
    page = rec.page;
    await page.addInitScript(RECORD_VIOLATIONS);
    page.on('console', (m) => {
      if (/Content Security Policy/i.test(m.text())) consoleCsp.push(m.text());
    });
    page.on('request', (r) => {
      requested.push(r.url());
    });
  });

  after(async () => {
    await browser?.close();
    await sleeper?.stop();
    await cluster?.stop();
  });

  test('renders the leader, the agent and its task from JSONP polls, with no policy violation', async () => {
    const agentId = (await cluster.agent.json<{ id: string }>('/state')).id;
    const response = await page.goto(`${cluster.master.url}/`);
    assert.equal(response?.status(), 200);

    const row = page.locator(`#agents tbody tr[data-agent-id="${agentId}"]`);
    const why = async () =>
      JSON.stringify({
        violations: await page.evaluate('window.__cspViolations'),
        console: consoleCsp,
        uiErrors: await page.locator('#errors li').allTextContents(),
        pageErrors: rec.errors,
      });
    try {
      await row.locator('td.tasks', { hasText: '1' }).waitFor({ timeout: 10_000 });
      // The second poll goes to the leader by the name leader_info gives, another origin.
      await page.locator('#leader-origin', { hasText: `//localhost:${cluster.master.port}` }).waitFor({ timeout: 10_000 });
    } catch (err) {
      await screenshot(page, 'foreign-webui-failed');
      assert.fail(`the foreign UI did not render: ${(err as Error).message.split('\n')[0]}; ${await why()}`);
    }
    assert.equal(await page.locator('#leader').textContent(), `master@127.0.0.1:${cluster.master.port}`);
    assert.equal(await row.locator('td.hostname').textContent(), 'localhost');
    assert.equal(await row.locator('td.sandbox').textContent(), 'stderr stdout');
    await screenshot(page, 'foreign-webui');

    // The JSONP polls went where Apache's UI sends them.
    const cb = /[?&]jsonp=fixtureUi\.callbacks\._\d+$/;
    assert.ok(
      requested.some((u) => u.startsWith(`http://127.0.0.1:${cluster.master.port}/master/state?`) && cb.test(u)),
      requested.join('\n'),
    );
    assert.ok(
      requested.some((u) => u.startsWith(`http://localhost:${cluster.master.port}/master/state?`) && cb.test(u)),
      requested.join('\n'),
    );
    assert.ok(
      requested.some((u) => u.startsWith(`http://localhost:${cluster.agent.port}/slave(1)/state?`) && cb.test(u)),
      requested.join('\n'),
    );
    assert.ok(
      requested.some((u) => u.startsWith(`http://localhost:${cluster.agent.port}/files/browse?path=`) && cb.test(u)),
      requested.join('\n'),
    );

    // Styles: the rule the script added hides the spinner; a style attribute sized the heading.
    assert.equal(await page.locator('#spinner').isHidden(), true);
    assert.equal(await page.evaluate(`getComputedStyle(document.querySelector('h1')).fontSize`), '20px');
    // The web font from the UI's directory loaded.
    const faces = await page.evaluate(`document.fonts.ready.then((set) =>
      [...set].filter((f) => f.family.replace(/"/g, '') === 'Fixture Sans').map((f) => f.status))`);
    assert.deepEqual(faces, ['loaded']);

    assert.deepEqual(await page.evaluate('window.__cspViolations'), []);
    assert.deepEqual(consoleCsp, []);
    assert.deepEqual(await page.locator('#errors li').allTextContents(), []);
    assert.deepEqual(rec.errors, []);
    assert.equal(response?.headers()['content-security-policy'], undefined, 'a foreign UI gets no policy of ours');
  });
});
