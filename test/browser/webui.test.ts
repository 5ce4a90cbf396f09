// The web UI in headless chromium against a real master and agent (the bundled binary): the
// Fedora guide's smoke test seen in the browser, live updates without reloads, sandboxes,
// markup from frameworks rendered as text, /redirect, and the master-down banner. The browser
// may not reach the agent's port at all: the UI reads agents through the master.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { Daemon, type RunResult, runMesos, spawnMesos, startCluster, waitFor } from '../helpers/cluster.ts';
import { type PageRecord, chromiumMissing, launchChromium, openPage, screenshot } from './chromium.ts';

const XSS_FRAMEWORK = '<img src=x onerror=alert(1)>';
const XSS_TASK = '<svg onload=alert(2)>';
const XSS_FILE = '<img src=x onerror=alert(3)>';
const XSS_STDOUT = '<script>alert(4)</script>';
const XSS_WEBUI_URL = 'javascript:alert(5)';
const XSS_LABEL = '<b onmouseover=alert(6)>label</b>';

interface MasterStateLite {
  frameworks: { id: string; name: string; tasks: { id: string }[] }[];
  completed_frameworks: { id: string; name: string; completed_tasks: { id: string; state: string }[] }[];
}

/** A framework subscribed through the v1 scheduler API and kept connected until close(). */
async function subscribeFramework(masterUrl: string, frameworkInfo: Record<string, unknown>): Promise<{ id: string; close(): void }> {
  const controller = new AbortController();
  const res = await fetch(`${masterUrl}/api/v1/scheduler`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
    body: JSON.stringify({ type: 'SUBSCRIBE', subscribe: { framework_info: frameworkInfo } }),
    signal: controller.signal,
  });
  if (res.status !== 200) throw new Error(`SUBSCRIBE answered ${res.status}: ${await res.text()}`);
  const reader = res.body!.getReader();
  let buffered = '';
  for (;;) {
    const m = /^(\d+)\n/.exec(buffered);
    if (m && buffered.length >= m[0].length + Number(m[1])) {
      const event = JSON.parse(buffered.slice(m[0].length, m[0].length + Number(m[1]))) as {
        type: string;
        subscribed?: { framework_id: { value: string } };
      };
      assert.equal(event.type, 'SUBSCRIBED');
      // Keep reading (and dropping) events so the stream stays healthy.
      void (async () => {
        try {
          while (!(await reader.read()).done);
        } catch {
          // aborted by close()
        }
      })();
      return { id: event.subscribed!.framework_id.value, close: () => controller.abort() };
    }
    const { value, done } = await reader.read();
    if (done) throw new Error('subscription stream ended before SUBSCRIBED');
    buffered += new TextDecoder().decode(value);
  }
}

async function textOf(page: Page, selector: string): Promise<string> {
  return (await page.locator(selector).first().textContent()) ?? '';
}

describe('web UI in chromium against a real cluster', { skip: chromiumMissing }, () => {
  let cluster: Awaited<ReturnType<typeof startCluster>>;
  let browser: Browser;
  let rec: PageRecord;
  let page: Page;
  let smoke: Promise<RunResult>;
  let xssFramework: { id: string; close(): void } | undefined;
  let restartedMaster: Daemon | undefined;
  const agentPortRequests: string[] = [];
  const requested: string[] = [];

  before(async () => {
    // --hostname=localhost: /redirect sends the browser to //localhost:port, another origin
    // than the 127.0.0.1 the tests open first.
    cluster = await startCluster(['--hostname=localhost']);
    browser = await launchChromium();
    rec = await openPage(browser);
    page = rec.page;
    // As behind a firewall that lets the browser reach masters only.
    await page.route(
      (u) => u.port === String(cluster.agent.port),
      (route) => {
        agentPortRequests.push(route.request().url());
        return route.abort('blockedbyclient');
      },
    );
    page.on('request', (r) => requested.push(r.url()));
  });

  after(async () => {
    xssFramework?.close();
    await browser?.close();
    await restartedMaster?.stop();
    await cluster?.stop();
  });

  const url = (hash: string) => `${cluster.master.url}/${hash}`;
  const masterArg = () => `--master=127.0.0.1:${cluster.master.port}`;

  test('the guide smoke test appears on the Frameworks tab within 2 s, without a reload', async () => {
    await page.goto(url('#/frameworks'));
    await page.getByRole('heading', { name: 'Completed frameworks' }).waitFor();
    await page.evaluate('window.__notReloaded = true');

    smoke = runMesos(['execute', masterArg(), '--name=whizbang', '--command=/bin/sleep 10']);
    const seenByMaster = await waitFor('the master to list the smoke framework', async () => {
      const state = await cluster.master.json<MasterStateLite>('/master/state');
      return state.frameworks.some((f) => f.name === 'mesos-execute instance') && Date.now();
    });
    const row = page.locator('[data-table="active-frameworks"] tbody tr', { hasText: 'mesos-execute instance' });
    await row.waitFor({ timeout: 5_000 });
    const lag = Date.now() - seenByMaster;
    assert.ok(lag <= 2_000, `the UI showed the new framework ${lag} ms after the master had it`);
    assert.equal(await page.evaluate('window.__notReloaded'), true, 'the page was not reloaded');
    await screenshot(page, 'frameworks-active');
  });

  test('Agents tab lists the agent, also at #/slaves, and its detail page', async () => {
    const agentId = (await cluster.agent.json<{ id: string }>('/state')).id;
    const tab = page.locator('nav a[data-tab="agents"]');
    assert.match((await tab.textContent()) ?? '', /Agents.*Slaves/);
    await tab.click();
    await page.waitForURL(/#\/agents$/);
    await page.locator('[data-table="agents"] tbody tr', { hasText: agentId }).waitFor();
    await screenshot(page, 'agents');

    await page.goto(url('#/slaves'));
    await page.waitForURL(/#\/agents$/);
    await page.locator('[data-table="agents"] tbody tr', { hasText: agentId }).waitFor();

    await page.goto(url(`#/slaves/${agentId}`));
    await page.waitForURL(new RegExp(`#/agents/${agentId}$`));
    await page.locator('[data-kv="agent"]', { hasText: `slave(1)@127.0.0.1:${cluster.agent.port}` }).waitFor();
    // The agent's own /state, read by the browser through the master.
    await page.locator('[data-table="executors"] tbody tr', { hasText: 'whizbang' }).waitFor();
    assert.ok(requested.includes(`${cluster.master.url}/agent/${agentId}/slave(1)/state`), requested.join('\n'));
    assert.deepEqual(agentPortRequests, []);
    await page.locator('[data-table="agent-tasks"] tbody tr', { hasText: 'whizbang' }).waitFor();
    await screenshot(page, 'agent');
  });

  test("a running task's stdout is tailed live, and downloads", async () => {
    const chatty = runMesos(['execute', masterArg(), '--name=chatty', '--command=for i in $(seq 1 10); do echo tick-$i; sleep 0.5; done']);
    await page.goto(url('#/tasks'));
    await page.locator('[data-table="tasks"] input.filter').fill('chatty');
    const row = page.locator('[data-table="tasks"] tbody tr', { hasText: 'chatty' });
    await row.waitFor();
    await row.locator('a.sandbox-link').click();
    await page.waitForURL(/\/browse\?path=/);
    await page.locator('[data-table="files"] a', { hasText: 'stdout' }).click();
    await page.waitForURL(/\/file\?path=.*stdout/);
    const log = page.locator('pre[data-file="stdout"][data-loaded="true"]');
    await log.waitFor();
    const first = (await log.textContent()) ?? '';
    await page.locator('pre[data-file="stdout"]', { hasText: 'tick-10' }).waitFor({ timeout: 15_000 });
    assert.doesNotMatch(first, /tick-10/, 'the file grew while on screen, so the later lines were tailed');
    assert.match((await log.textContent()) ?? '', /tick-1\n[\s\S]*tick-10/);
    await screenshot(page, 'sandbox-stdout');

    const download = await page.locator('a[data-download]').getAttribute('href');
    assert.match(download ?? '', /^agent\/[^/]+\/files\/download\?path=.*stdout$/);
    assert.ok(
      requested.some((u) => u.startsWith(`${cluster.master.url}/agent/`) && u.includes('/files/read?')),
      requested.join('\n'),
    );
    assert.deepEqual(agentPortRequests, []);
    const res = await fetch(new URL(download!, page.url()));
    assert.equal(res.status, 200);
    assert.match(await res.text(), /^tick-1\n/);
    assert.equal((await chatty).code, 0);
  });

  test('Frameworks tab lists the completed framework with task whizbang; its stdout is viewable', async () => {
    await page.goto(url('#/frameworks'));
    await page.evaluate('window.__notReloaded = true');
    const result = await smoke;
    assert.equal(result.code, 0, result.stderr);
    const state = await cluster.master.json<MasterStateLite>('/master/state');
    const fw = state.completed_frameworks.find((f) => f.completed_tasks.some((t) => t.id === 'whizbang'));
    assert.ok(fw, 'the master lists the smoke framework as completed');
    assert.equal(fw.name, 'mesos-execute instance');

    const row = page.locator('[data-table="completed-frameworks"] tbody tr', { hasText: fw.id });
    await row.waitFor({ timeout: 5_000 });
    assert.match((await row.textContent()) ?? '', /mesos-execute instance/);
    assert.equal(await page.evaluate('window.__notReloaded'), true, 'moved to completed without a reload');
    await screenshot(page, 'frameworks');

    await row.locator('a', { hasText: 'mesos-execute instance' }).click();
    await page.waitForURL(new RegExp(`#/frameworks/${fw.id}$`));
    const taskRow = page.locator('[data-table="framework-completed-tasks"] tbody tr', { hasText: 'whizbang' });
    await taskRow.waitFor();
    assert.match((await taskRow.textContent()) ?? '', /FINISHED/);
    await screenshot(page, 'framework');

    await taskRow.locator('a.sandbox-link').click();
    await page.waitForURL(/\/browse\?path=.*whizbang/);
    await page.locator('[data-table="files"] a', { hasText: 'stderr' }).waitFor();
    await page.locator('[data-table="files"] a', { hasText: 'stdout' }).click();
    await page.locator('pre[data-file="stdout"][data-loaded="true"]').waitFor();
    assert.equal(await page.locator('.note.error').count(), 0, await textOf(page, 'main'));

    // Back: the listing, then the framework (the sandbox lookup replaced itself in history).
    await page.goBack();
    await page.waitForURL(/\/browse\?path=/);
    await page.goBack();
    await page.waitForURL(new RegExp(`#/frameworks/${fw.id}$`));
    await page.locator('[data-table="framework-completed-tasks"]').waitFor();
  });

  test('names, ids, labels, URLs and file names from frameworks render as text', async () => {
    const xssRun = await runMesos(['execute', masterArg(), `--name=${XSS_TASK}`, `--command=touch '${XSS_FILE}'; echo '${XSS_STDOUT}'`]);
    assert.equal(xssRun.code, 0, xssRun.stderr);
    // Subscribed second: it never answers its offers, so it holds the agent's resources (and
    // shows on the Offers page) until the banner test closes it.
    xssFramework = await subscribeFramework(cluster.master.url, {
      user: 'root',
      name: XSS_FRAMEWORK,
      webui_url: XSS_WEBUI_URL,
      labels: { labels: [{ key: XSS_LABEL, value: XSS_LABEL }] },
    });

    await page.goto(url('#/frameworks'));
    await page.locator('[data-table="active-frameworks"] tbody tr', { hasText: XSS_FRAMEWORK }).waitFor();
    await page.locator('[data-table="active-frameworks"] a', { hasText: XSS_FRAMEWORK }).click();
    await page.locator('[data-kv="framework"]', { hasText: XSS_WEBUI_URL }).waitFor();
    await page.locator('[data-kv="framework"] code', { hasText: XSS_LABEL }).first().waitFor();
    assert.equal(await page.locator('a[href^="javascript:"]').count(), 0, 'a javascript: URL never becomes a link');
    assert.equal(await textOf(page, 'h1'), XSS_FRAMEWORK);
    await screenshot(page, 'xss-framework');

    await page.goto(url('#/tasks'));
    await page.locator('[data-table="tasks"] input.filter').fill('svg');
    const row = page.locator('[data-table="tasks"] tbody tr', { hasText: XSS_TASK });
    await row.waitFor();
    await row.locator('a.sandbox-link').click();
    await page.locator('[data-table="files"] a', { hasText: XSS_FILE }).waitFor();
    await page.locator('[data-table="files"] a', { hasText: 'stdout' }).click();
    await page.locator('pre[data-file="stdout"]', { hasText: XSS_STDOUT }).waitFor();

    await page.goto(url('#/offers'));
    await page.locator('[data-table="offers"] tbody tr', { hasText: XSS_FRAMEWORK }).waitFor();
    await screenshot(page, 'offers');

    assert.equal(await page.locator('img, svg, iframe, object, embed').count(), 0);
    assert.equal(await page.locator('script').count(), 1, 'only the UI bundle is a script');
    assert.deepEqual(rec.dialogs, [], 'no script from a framework ran');
    assert.deepEqual(rec.errors, []);
  });

  test('Overview, Tasks and Roles show the cluster', async () => {
    await page.goto(url('#/'));
    await page.locator('[data-kv="master"]', { hasText: `localhost:${cluster.master.port}` }).waitFor();
    await page.locator('[data-resources="cluster"] [data-resource="cpus"]', { hasText: '4' }).waitFor();
    await page.locator('[data-kv="task-counts"]', { hasText: 'FINISHED' }).waitFor();
    await screenshot(page, 'overview');

    await page.goto(url('#/tasks'));
    await page.locator('[data-table="tasks"] tbody tr', { hasText: 'whizbang' }).waitFor();
    await page.locator('[data-table="tasks"] select').selectOption('TASK_FINISHED');
    await page.locator('[data-table="tasks"] .table-count', { hasText: 'of 3 tasks' }).waitFor();
    await screenshot(page, 'tasks');

    await page.goto(url('#/roles'));
    await page.locator('[data-table="roles"] tbody tr', { hasText: '*' }).waitFor();
    await screenshot(page, 'roles');
    assert.deepEqual(rec.errors, []);
  });

  test('the UI works when reached through /redirect', async () => {
    const other = await openPage(browser);
    try {
      await other.page.goto(`${cluster.master.url}/redirect`);
      assert.equal(new URL(other.page.url()).host, `localhost:${cluster.master.port}`);
      await other.page.locator('[data-kv="master"]', { hasText: 'master@127.0.0.1' }).waitFor();
      const agentId = (await cluster.agent.json<{ id: string }>('/state')).id;
      await other.page.goto(`http://localhost:${cluster.master.port}/#/agents/${agentId}`);
      await other.page.locator('[data-table="executors"] tbody tr', { hasText: 'whizbang' }).waitFor();
      assert.deepEqual(other.errors, []);
    } finally {
      await other.page.close();
    }
  });

  test('a banner says when the master is down, and goes away when it is back', async () => {
    xssFramework?.close();
    xssFramework = undefined;
    await page.goto(url('#/'));
    await page.locator('[data-kv="master"]').waitFor();
    await page.evaluate('window.__notReloaded = true');
    const banner = page.locator('[data-banner="master-down"]');
    assert.equal(await banner.count(), 0);

    const { port, workDir } = cluster.master;
    await cluster.master.stop();
    await banner.waitFor({ timeout: 5_000 });
    assert.match((await banner.textContent()) ?? '', /not reachable/);
    // The data stays on screen under the banner.
    await page.locator('[data-kv="master"]').waitFor();
    await screenshot(page, 'master-down');

    const proc = spawnMesos(['master', '--ip=127.0.0.1', `--port=${port}`, `--work_dir=${workDir}`, '--hostname=localhost']);
    restartedMaster = new Daemon('master', proc, port, workDir);
    await waitFor('the master back on its port', async () => (await fetch(`${restartedMaster!.url}/health`)).ok);
    await banner.waitFor({ state: 'detached', timeout: 10_000 });
    assert.equal(await page.evaluate('window.__notReloaded'), true, 'recovered without a reload');
  });
});
