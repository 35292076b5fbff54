/** Validators for the national identifiers a case carries. Pure. */

/** 全国投资项目在线审批监管平台 project code: YYYY-AAAAAA-II-TT-NNNNNN (year, region, industry, type, serial). */
const PROJECT_CODE = /^(\d{4})-\d{6}-\d{2}-\d{2}-\d{6}$/;

export function isProjectCode(value: string): boolean {
  const match = PROJECT_CODE.exec(value);
  if (!match?.[1]) return false;
  const year = Number(match[1]);
  return year >= 2000 && year <= 2099;
}

/** GB 32100-2015 unified social credit code (统一社会信用代码): 18 characters, the last a check character. */
const CREDIT_CODE_CHARSET = '0123456789ABCDEFGHJKLMNPQRTUWXY';
const CREDIT_CODE_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];

export function computeCreditCodeCheck(first17: string): string | null {
  let sum = 0;
  for (let i = 0; i < 17; i += 1) {
    const value = CREDIT_CODE_CHARSET.indexOf(first17.charAt(i));
    if (value < 0) return null;
    sum += value * (CREDIT_CODE_WEIGHTS[i] ?? 0);
  }
  const check = (31 - (sum % 31)) % 31;
  return CREDIT_CODE_CHARSET.charAt(check);
}

export function isCreditCode(value: string): boolean {
  if (value.length !== 18) return false;
  const check = computeCreditCodeCheck(value.slice(0, 17));
  return check !== null && check === value.charAt(17);
}
