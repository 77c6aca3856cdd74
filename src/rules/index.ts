/** The rule registry: every rule, in ID order. Add a rule by importing its file here. */
import CONFIG_001 from "./config/FLASK-CONFIG-001.js";
import DEPLOY_001 from "./deploy/FLASK-DEPLOY-001.js";
import DEPLOY_002 from "./deploy/FLASK-DEPLOY-002.js";
import CSRF_001 from "./csrf/FLASK-CSRF-001.js";
import SESS_001 from "./session/FLASK-SESS-001.js";
import SESS_002 from "./session/FLASK-SESS-002.js";
import type { Rule } from "./define.js";

export const RULES: readonly Rule[] = [CONFIG_001, DEPLOY_001, DEPLOY_002, CSRF_001, SESS_001, SESS_002].sort((a, b) => (a.id < b.id ? -1 : 1));

export function findRule(id: string): Rule | undefined {
  return RULES.find((r) => r.id === id.toUpperCase());
}
