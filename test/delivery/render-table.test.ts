/** `replay --format table`: order, width, nothing cut, large lists (issue 10 item 5, issue 11). */
import { describe, expect, it } from 'vitest';
import { renderTable } from '../../shared/cli/text.js';
import type { Alert } from '../../shared/core/alert/alert.js';
import {
  alertTableLines,
  compactArn,
  renderAlertTable,
  wrapText,
} from '../../shared/core/alert/render-table.js';
import { makeAlert } from './helpers.js';

const LONG_ROLE =
  'arn:aws:iam::111122223333:role/service-role/platform/teams/payments/payments-ledger-reconciliation-deployer';

function alertAt(eventTime: string, over: Partial<Alert> = {}): Alert {
  return makeAlert({ eventTime, id: `id-${eventTime}`, ...over });
}

describe('renderAlertTable', () => {
  it('sorts rows by event time, keeping input order for equal times', () => {
    const alerts = [
      alertAt('2026-03-02T10:00:03Z', { rule: 'third' }),
      alertAt('2026-03-02T10:00:01Z', { rule: 'first' }),
      alertAt('2026-03-02T10:00:02Z', { rule: 'second-a' }),
      alertAt('2026-03-02T10:00:02.000Z', { rule: 'second-b' }),
    ];
    const rows = alertTableLines(alerts).filter((l) => /^\d{4}-/.test(l));
    expect(rows.map((l) => l.split(/\s+/)[2])).toEqual(['first', 'second-a', 'second-b', 'third']);
  });

  it.each([60, 80, 100, 132, 200])('every line fits %i columns', (width) => {
    const alerts = [
      alertAt('2026-03-02T10:00:00Z', {
        target: { type: 'role', arn: LONG_ROLE, name: 'payments-ledger-reconciliation-deployer' },
        reasons: [`a very long reason naming ${LONG_ROLE} and ${LONG_ROLE} again`.repeat(3)],
        count: 12345,
      }),
      alertAt('2026-03-02T09:00:00Z', {
        actor: {
          type: 'AssumedRole',
          arn: 'arn:aws:iam::444455556666:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_AdministratorAccess_0123456789abcdef',
          sessionName: 'someone.with.a.long.name@subsidiary.example.com',
          roleName: 'AWSReservedSSO_AdministratorAccess_0123456789abcdef',
          accountId: '444455556666',
          accountName: 'payments-production',
          sourceIp: null,
          userAgent: null,
        },
      }),
    ];
    for (const l of alertTableLines(alerts, { width })) expect(l.length).toBeLessThanOrEqual(width);
  });

  it('never cuts an ARN: the target column reassembles to the whole resource part', () => {
    const a = alertAt('2026-03-02T10:00:00Z', {
      target: { type: 'role', arn: LONG_ROLE, name: null },
    });
    expect(renderAlertTable([a], { width: 60 }).replace(/\s+/g, '')).toContain(
      `target:${compactArn(LONG_ROLE).replace(/\s+/g, '')}`,
    );
    for (const width of [100, 160]) {
      const lines = alertTableLines([a], { width });
      const header = lines[0]!;
      const from = header.indexOf('TARGET');
      const row: string[] = [];
      for (const [i, l] of lines.slice(1).entries()) {
        if (i > 0 && !/^ {20}/.test(l)) break;
        if (/^ {4}\S/.test(l)) break;
        row.push(l.slice(from).trim());
      }
      expect(row.join('').replace(/\s+/g, '')).toBe(compactArn(LONG_ROLE).replace(/\s+/g, ''));
      // The role's name (the identifying part) is never split when it fits the column.
      if (width >= 160) expect(lines.join('\n')).toContain('payments-ledger-reconciliation-deployer');
    }
  });

  it('uses 100 columns when no width is given', () => {
    const a = alertAt('2026-03-02T10:00:00Z', { reasons: ['word '.repeat(200)] });
    const lines = alertTableLines([a]);
    expect(Math.max(...lines.map((l) => l.length))).toBeLessThanOrEqual(100);
    expect(lines.some((l) => l.length > 90)).toBe(true);
  });

  it('renders 130,000 alerts without overflowing the stack (issue 11)', () => {
    const n = 130_000;
    const alerts: Alert[] = [];
    for (let i = 0; i < n; i++) {
      const t = new Date(Date.UTC(2026, 2, 2) + (n - i) * 1000).toISOString().replace('.000Z', 'Z');
      alerts.push({ ...makeAlert(), id: `a${i}`, eventTime: t, reasons: [], baseline: null });
    }
    const out = renderAlertTable(alerts, { width: 100 });
    const rows = out.split('\n').filter((l) => /^\d{4}-/.test(l));
    expect(rows).toHaveLength(n);
    expect(rows[0]!.startsWith('2026-03-02T00:00:01Z')).toBe(true);
    expect(
      rows[n - 1]!.startsWith(new Date(Date.UTC(2026, 2, 2) + n * 1000).toISOString().slice(0, 19)),
    ).toBe(true);
  });

  it('hostile text stays on its line and carries no control characters', () => {
    const hostile = 'x\n[CRITICAL] forged\r\u001b[2J\u202Eevil <!channel>';
    const a = alertAt('2026-03-02T10:00:00Z', {
      actor: {
        type: 'AssumedRole',
        arn: 'arn:aws:iam::111122223333:role/admin',
        sessionName: hostile,
        sourceIp: null,
        userAgent: null,
      },
      reasons: [hostile],
      baseline: { owner: hostile, purpose: hostile, kind: 'human', reviewAfter: null },
    });
    const out = renderAlertTable([a], { width: 100 });
    expect(out).not.toMatch(/[\r\u001b\u202e]/);
    expect(out).not.toMatch(/^\[CRITICAL\]/m);
    expect(out).not.toMatch(/^\s*\[CRITICAL\] forged/m);
  });

  it('says so when there are no alerts', () => {
    expect(renderAlertTable([])).toBe('no alerts\n');
  });
});

describe('wrapText', () => {
  it('loses nothing but the spaces at breaks', () => {
    const text = `${LONG_ROLE} called PutRolePolicy on ${'x'.repeat(90)}`;
    for (const w of [7, 13, 40]) {
      const parts = wrapText(text, w);
      for (const p of parts) expect(p.length).toBeLessThanOrEqual(w);
      expect(parts.join('').replace(/ /g, '')).toBe(text.replace(/ /g, ''));
    }
  });
});

describe('renderTable (baseline, incident and rules tables)', () => {
  it('handles 130,000 rows (no Math.max(...spread) stack overflow)', () => {
    const rows = Array.from({ length: 130_000 }, (_, i) => [`id-${i}`, 'x']);
    const out = renderTable(['ID', 'VALUE'], rows);
    expect(out.split('\n')).toHaveLength(130_002);
  });
});
