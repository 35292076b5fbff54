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

    const verified = await call(stack.app, 'GET', `/v1/certificates/${encodeURIComponent(issued.number)}`, null);
    expect(verified.statusCode).toBe(200);
    expect(verified.json()).toEqual({
      ...issued,
      valid: true,
      projectName: '高新区小型商业综合体',
    });
    expect(verified.json()).toMatchObject({
      name: '建设用地规划许可证',
      caseId,
      holder: (body.applicant as { name: string }).name,
      projectCode: body.projectCode,
      verificationCode: issued.verificationCode,
    });
    expect(verified.json().issuedAt).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}\+08:00$/);
  });

  it('is documented as needing no token', async () => {
    const docs = (await call(stack.app, 'GET', '/docs/json', null)).json();
    expect(docs.paths['/v1/certificates/{number}'].get.security).toEqual([]);
  });
});
