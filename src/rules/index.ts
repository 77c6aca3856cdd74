/** The rule registry: every rule, in ID order. Add a rule by importing its file here. */
import API_001 from "./api/FLASK-API-001.js";
import AUTH_001 from "./auth/FLASK-AUTH-001.js";
import CONFIG_001 from "./config/FLASK-CONFIG-001.js";
import CONFIG_002 from "./config/FLASK-CONFIG-002.js";
import CORS_001 from "./cors/FLASK-CORS-001.js";
import DEPLOY_001 from "./deploy/FLASK-DEPLOY-001.js";
import DEPLOY_002 from "./deploy/FLASK-DEPLOY-002.js";
import DEPLOY_003 from "./deploy/FLASK-DEPLOY-003.js";
import HEADERS_001 from "./headers/FLASK-HEADERS-001.js";
import HOST_001 from "./config/FLASK-HOST-001.js";
import LIMITS_001 from "./config/FLASK-LIMITS-001.js";
import PROXY_001 from "./proxy/FLASK-PROXY-001.js";
import RATE_001 from "./rate/FLASK-RATE-001.js";
import SUPPLY_001 from "./supply/FLASK-SUPPLY-001.js";
import type { Rule } from "./define.js";

export const RULES: readonly Rule[] = [API_001, AUTH_001, CONFIG_001, CONFIG_002, CORS_001, DEPLOY_001, DEPLOY_002, DEPLOY_003, HEADERS_001, HOST_001, LIMITS_001, PROXY_001, RATE_001, SUPPLY_001].sort((a, b) => (a.id < b.id ? -1 : 1));

export function findRule(id: string): Rule | undefined {
  return RULES.find((r) => r.id === id.toUpperCase());
}
