import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, caseBody, startStack, type Stack } from '../support/stack.js';

let stack: Stack;
let window: string;

beforeAll(async () => {
  stack = await startStack();
  window = await stack.token({ role: 'window', sub: 'window-certificates' });
});
afterAll(async () => stack?.close());

interface TaskView {
  taskId: string;
  itemCode: string;
  department: string;
  status: string;
}

describe('GET /v1/certificates/:number', () => {
  it('answers 404 NOT_FOUND for an unknown number, without a token', async () => {
    const response = await call(stack.app, 'GET', '/v1/certificates/C20260101-NOPE-01', null);
    expect(response.statusCode).toBe(404);
    expect(response.json().error.code).toBe('NOT_FOUND');
  });

  it('verifies the 建设用地规划许可证 issued when land-use-permit is approved, for anyone', async () => {
    const body = caseBody({ projectType: 'social-small', projectName: '高新区小型商业综合体' });
    const opened = await call(stack.app, 'POST', '/v1/cases', window, body);
    expect(opened.statusCode).toBe(201);
    const caseId: string = opened.json().caseId;
    const stageOne: TaskView[] = opened.json().stages[0].tasks;
    expect(stageOne.map((t) => t.itemCode).sort()).toEqual(['land-use-permit', 'project-approval']);

    // Approve every stage-1 task as a reviewer of its department, the certificate-issuing one first.
    const ordered = [...stageOne].sort((a) => (a.itemCode === 'land-use-permit' ? -1 : 1));
    for (const task of ordered) {
      expect(task.status).toBe('pending');
      const reviewer = await stack.token({ role: 'reviewer', department: task.department });
      const decided = await call(stack.app, 'POST', `/v1/cases/${caseId}/tasks/${task.taskId}/decision`, reviewer, {
        decision: 'approve',
        opinion: '同意',
      });
      expect(decided.statusCode).toBe(200);
      expect(decided.json().status).toBe('approved');
    }

    const view = (await call(stack.app, 'GET', `/v1/cases/${caseId}`, window)).json();
    expect(view.stages[0].status).toBe('approved');
    const issued = view.certificates.find((c: { itemCode: string }) => c.itemCode === 'land-use-permit');
    expect(issued).toBeDefined();

    const path = `/v1/certificates/${encodeURIComponent(issued.number)}`;
    const verified = await call(stack.app, 'GET', `${path}?code=${encodeURIComponent(issued.verificationCode)}`, null);
    expect(verified.statusCode).toBe(200);
    expect(verified.json()).toEqual({
      valid: true,
      certificate: {
        number: issued.number,
        name: '建设用地规划许可证',
        itemCode: 'land-use-permit',
        projectCode: body.projectCode,
        projectName: '高新区小型商业综合体',
        holder: (body.applicant as { name: string }).name,
        issuedAt: issued.issuedAt,
        status: 'valid',
      },
    });
    expect(verified.json().certificate.issuedAt).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}\+08:00$/);
    // the code proves possession of the paper: never shown publicly, and a wrong or missing one
    // reads exactly like an unknown number
    expect(verified.body).not.toContain(issued.verificationCode);
    const unknown = await call(stack.app, 'GET', '/v1/certificates/C20260101-NOPE-01?code=whatever', null);
    for (const query of ['', '?code=', `?code=${encodeURIComponent(issued.verificationCode.slice(0, -1))}`, '?code=WRONG-CODE']) {
      const refused = await call(stack.app, 'GET', `${path}${query}`, null);
      expect(refused.statusCode, query).toBe(query === '?code=' ? 400 : 404);
      if (refused.statusCode === 404) {
        expect(refused.json().error.code).toBe(unknown.json().error.code);
        expect(refused.body).not.toContain(issued.verificationCode);
      }
    }
    // the case view, to those who may read the case, does show it
    expect(issued.verificationCode).toMatch(/\S+/);
  });

  it('is documented as needing no token', async () => {
    const docs = (await call(stack.app, 'GET', '/docs/json', null)).json();
    expect(docs.paths['/v1/certificates/{number}'].get.security).toEqual([]);
  });
});
