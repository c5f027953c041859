import { describe, expect, it } from '@jest/globals';
import { ManualClock } from './clock.js';
import { ConnectorMetrics, incEach } from './metrics.js';
import { RateLimiter } from './rate-limiter.js';

describe('ConnectorMetrics', () => {
  it('renders counters, budget left at scrape time and consumer lag', async () => {
    const metrics = new ConnectorMetrics('hs-connector');
    const limiter = new RateLimiter({
      limits: [{ name: 'ten-secondly', limit: 190, windowMs: 10_000 }],
      clock: new ManualClock(0),
    });
    metrics.watchBudget('conn-1', 'hubspot', limiter);
    metrics.changesCaptured.inc({ connection: 'conn-1', object: 'company', method: 'webhook' }, 3);
    metrics.recordLag('g', 'topic-a', 2, '120', '99');
    expect(limiter.tryAcquire(40)).toBe(true);

    const { body, contentType } = await metrics.render();
    expect(contentType).toContain('text/plain');
    expect(body).toContain(
      'crm_sync_changes_captured_total{connection="conn-1",object="company",method="webhook",service="hs-connector"} 3',
    );
    expect(body).toContain(
      'crm_sync_api_budget_remaining{connection="conn-1",crm="hubspot",limit="ten-secondly",service="hs-connector"} 150',
    );
    expect(body).toContain(
      'crm_sync_consumer_lag{group="g",topic="topic-a",partition="2",service="hs-connector"} 20',
    );
  });

  it('adds one per label set, grouped into one update per distinct set', async () => {
    const metrics = new ConnectorMetrics('sf-connector');
    const ok = { connection: 'c1', command: 'upsert', outcome: 'succeeded' };
    const failed = { connection: 'c1', command: 'upsert', outcome: 'failed' };
    incEach(metrics.commandsDone, [ok, failed, ok, ok]);
    incEach(metrics.commandsDone, []);
    const { body } = await metrics.render();
    expect(body).toContain(
      'crm_sync_commands_total{connection="c1",command="upsert",outcome="succeeded",service="sf-connector"} 3',
    );
    expect(body).toContain(
      'crm_sync_commands_total{connection="c1",command="upsert",outcome="failed",service="sf-connector"} 1',
    );
  });
});
