/** The rule registry: every rule, in ID order. Add a rule by importing its file here. */
import API_001 from "./api/FLASK-API-001.js";
import API_002 from "./api/FLASK-API-002.js";
import API_003 from "./api/FLASK-API-003.js";
import AUTH_001 from "./auth/FLASK-AUTH-001.js";
import AUTH_002 from "./auth/FLASK-AUTH-002.js";
import CONFIG_001 from "./config/FLASK-CONFIG-001.js";
import CONFIG_002 from "./config/FLASK-CONFIG-002.js";
import CORS_001 from "./cors/FLASK-CORS-001.js";
import CSRF_001 from "./csrf/FLASK-CSRF-001.js";
import CRYPTO_001 from "./crypto/FLASK-CRYPTO-001.js";
import CRYPTO_002 from "./crypto/FLASK-CRYPTO-002.js";
import DEPLOY_001 from "./deploy/FLASK-DEPLOY-001.js";
import DEPLOY_002 from "./deploy/FLASK-DEPLOY-002.js";
import DEPLOY_003 from "./deploy/FLASK-DEPLOY-003.js";
import DESER_001 from "./deserialization/FLASK-DESER-001.js";
import ERROR_001 from "./errors/FLASK-ERROR-001.js";
import HEADERS_001 from "./headers/FLASK-HEADERS-001.js";
import HOST_001 from "./config/FLASK-HOST-001.js";
import HTTP_001 from "./http/FLASK-HTTP-001.js";
import INFO_001 from "./api/FLASK-INFO-001.js";
import INJECT_001 from "./injection/FLASK-INJECT-001.js";
import INJECT_002 from "./injection/FLASK-INJECT-002.js";
import INJECT_003 from "./injection/FLASK-INJECT-003.js";
import INJECT_004 from "./injection/FLASK-INJECT-004.js";
import INJECT_005 from "./injection/FLASK-INJECT-005.js";
import LIMITS_001 from "./config/FLASK-LIMITS-001.js";
import PATH_001 from "./files/FLASK-PATH-001.js";
import PROXY_001 from "./proxy/FLASK-PROXY-001.js";
import RATE_001 from "./rate/FLASK-RATE-001.js";
import REDIRECT_001 from "./redirect/FLASK-REDIRECT-001.js";
import SESS_001 from "./session/FLASK-SESS-001.js";
import SESS_002 from "./session/FLASK-SESS-002.js";
import SSRF_001 from "./ssrf/FLASK-SSRF-001.js";
import SSTI_001 from "./templates/FLASK-SSTI-001.js";
import SUPPLY_001 from "./supply/FLASK-SUPPLY-001.js";
import TRUST_001 from "./trust/FLASK-TRUST-001.js";
import UPLOAD_001 from "./files/FLASK-UPLOAD-001.js";
import XSS_001 from "./templates/FLASK-XSS-001.js";
import XXE_001 from "./xml/FLASK-XXE-001.js";
import type { Rule } from "./define.js";

export const RULES: readonly Rule[] = [API_001, API_002, API_003, AUTH_001, AUTH_002, CONFIG_001, CONFIG_002, CORS_001, CRYPTO_001, CRYPTO_002, CSRF_001, DEPLOY_001, DEPLOY_002, DEPLOY_003, DESER_001, ERROR_001, HEADERS_001, HOST_001, HTTP_001, INFO_001, INJECT_001, INJECT_002, INJECT_003, INJECT_004, INJECT_005, LIMITS_001, PATH_001, PROXY_001, RATE_001, REDIRECT_001, SESS_001, SESS_002, SSRF_001, SSTI_001, SUPPLY_001, TRUST_001, UPLOAD_001, XSS_001, XXE_001];

export function findRule(id: string): Rule | undefined {
  return RULES.find((r) => r.id === id.toUpperCase());
}
