/**
 * Two languages, Chinese first: every text is written as `tr('中文', 'English')` where it is used,
 * so the two never drift apart; closed lists (statuses, lights, roles) are named here once.
 */
import { createContext, useContext } from 'react';

export type Lang = 'zh' | 'en';

export const LangContext = createContext<Lang>('zh');

export function useLang(): Lang {
  return useContext(LangContext);
}

/** A text in the current language. */
export function useTr(): (zh: string, en: string) => string {
  const lang = useLang();
  return (zh, en) => (lang === 'zh' ? zh : en);
}

export function storedLang(): Lang {
  return localStorage.getItem('console.lang') === 'en' ? 'en' : 'zh';
}

export function storeLang(lang: Lang): void {
  localStorage.setItem('console.lang', lang);
  document.documentElement.lang = lang === 'zh' ? 'zh-CN' : 'en';
}

type Names = Record<string, [string, string]>;

const LABELS = {
  role: {
    window: ['综合窗口', 'Window clerk'],
    reviewer: ['审查员', 'Reviewer'],
    coordinator: ['协调员', 'Coordinator'],
    admin: ['管理员', 'Administrator'],
    system: ['系统', 'System'],
  },
  light: {
    red: ['红灯 · 超期', 'Red · overdue'],
    yellow: ['黄灯 · 临期', 'Yellow · due soon'],
    green: ['绿灯 · 正常', 'Green · on time'],
    paused: ['暂停计时', 'Paused'],
    done: ['已办结', 'Done'],
  },
  caseStatus: {
    open: ['办理中', 'Open'],
    completed: ['已办结', 'Completed'],
    rejected: ['不予许可', 'Rejected'],
    withdrawn: ['已撤回', 'Withdrawn'],
  },
  stageStatus: {
    not_started: ['未开始', 'Not started'],
    in_review: ['审查中', 'In review'],
    approved: ['已通过', 'Approved'],
    rejected: ['不予许可', 'Rejected'],
    cancelled: ['已取消', 'Cancelled'],
  },
  taskStatus: {
    blocked: ['等待前置事项', 'Waiting for prerequisites'],
    pending: ['审查中', 'Pending'],
    awaiting_supplement: ['待补正', 'Awaiting supplement'],
    approved: ['准予许可', 'Approved'],
    rejected: ['不予许可', 'Rejected'],
    cancelled: ['已取消', 'Cancelled'],
  },
  decision: {
    approve: ['准予', 'Approve'],
    reject: ['不予许可', 'Reject'],
    request_supplement: ['要求补正', 'Request supplement'],
    deemed_consent: ['超时默许', 'Deemed consent'],
  },
  awaiting: {
    departments: ['等待部门审查', 'Waiting for the departments'],
    applicant: ['等待申请人提交下一阶段', "Waiting for the applicant's next application"],
  },
  channel: {
    counter: ['窗口领取', 'At the counter'],
    post: ['邮寄', 'By post'],
    electronic: ['电子送达', 'Electronically'],
  },
  reason: {
    overdue: ['超期', 'Overdue'],
    due_soon: ['临期', 'Due soon'],
    no_activity: ['无进展', 'No activity'],
    applicant_silent: ['申请人未补正', 'Applicant silent'],
    materials_overdue: ['容缺材料逾期', 'Deferred materials overdue'],
    escalated: ['已督办', 'Escalated'],
    fault: ['运行故障', 'Faulted'],
  },
  escalationStatus: {
    open: ['未办结', 'Open'],
    resolved: ['已办结', 'Resolved'],
  },
  origin: {
    auto: ['系统自动', 'Automatic'],
    coordinator: ['协调员', 'Coordinator'],
  },
  agencyCategory: {
    industrial: ['工业项目', 'Industrial project'],
    key: ['重点项目', 'Key project'],
    investment: ['招商引资项目', 'Investment-promotion project'],
  },
  activityKind: {
    site_coordination: ['现场协调', 'Site coordination'],
    joint_meeting: ['联席会议', 'Joint meeting'],
    follow_up: ['回访', 'Follow-up visit'],
    problem: ['问题', 'Problem'],
  },
  problemStatus: {
    open: ['待解决', 'Open'],
    solved: ['已解决', 'Solved'],
  },
} satisfies Record<string, Names>;

export type LabelKind = keyof typeof LABELS;

/** The name of a value of a closed list; an unknown value shows as it is. */
export function useLabel(): (kind: LabelKind, value: string | null | undefined) => string {
  const lang = useLang();
  return (kind, value) => {
    if (value === null || value === undefined) return '—';
    const names = (LABELS[kind] as Names)[value];
    return names ? names[lang === 'zh' ? 0 : 1] : value;
  };
}

/** `{zh, en}` catalog names in the current language. */
export function useName(): (name: { zh: string; en: string } | undefined, fallback?: string) => string {
  const lang = useLang();
  return (name, fallback = '—') => (name ? name[lang] : fallback);
}

/** An instant as local date and time (the API writes the configured zone's offset: keep its wall clock). */
export function formatInstant(instant: string | null | undefined): string {
  if (!instant) return '—';
  return `${instant.slice(0, 10)} ${instant.slice(11, 16)}`;
}

export function formatNumber(value: number | null | undefined, lang: Lang, digits = 1): string {
  if (value === null || value === undefined) return '—';
  return value.toLocaleString(lang === 'zh' ? 'zh-CN' : 'en-US', { maximumFractionDigits: digits });
}

export function formatPercent(value: number | null | undefined, lang: Lang): string {
  if (value === null || value === undefined) return '—';
  return `${formatNumber(value * 100, lang, 1)}%`;
}

/** Today in the approval zone (Asia/Shanghai, the API's default): the day the office counts, whatever the browser's zone. */
export function todayLocal(): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date());
}
