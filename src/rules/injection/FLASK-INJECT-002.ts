import { defineRule } from "../define.js";
import { dataFlowCheck } from "../dataflow.js";

export default defineRule({
  id: "FLASK-INJECT-002",
  title: "Operating-system command built from request data",
  family: "injection",
  severity: "critical",
  confidence: "high",
  cwe: [78, 88],
  owasp: "A03:2021",
  tags: ["injection", "command", "data-flow"],
  impact:
    "The sender of the request can run programs on the server with the application's privileges: read secrets and source code, pivot to the internal network, or take the host over.",
  fix: "Do not use a shell: pass a list of arguments (`subprocess.run([\"ping\", \"-c\", \"1\", host], check=True)`), fix the program name in code, put `--` before user-supplied operands, and validate values against an allow-list or a strict pattern. Where a shell string is unavoidable, quote every value with `shlex.quote`.",
  mitigation:
    "Run the application as an unprivileged user in a container without a shell or tools it does not need, and restrict its outbound network access.",
  docs: {
    what:
      "Reports request data that reaches `os.system`, `os.popen`, `subprocess.getoutput`, the `subprocess` functions with `shell=True`, or the program name of `subprocess`, `os.exec*`, `os.spawn*`, `os.posix_spawn` and `pty.spawn` calls. Request data in the later elements of an argument list (option injection) is reported at medium severity.",
    why:
      "With a shell, characters such as `;`, `|`, `$()` and backquotes start new commands. Without one, a value that begins with `-` can still turn into an option of the program (`--output=/etc/cron.d/x`), and a value in the first position chooses the program itself.",
    bad: 'host = request.args["host"]\nsubprocess.check_output("ping -c 1 " + host, shell=True)',
    good: 'host = request.args["host"]\nif not HOSTNAME.fullmatch(host):\n    abort(400)\nsubprocess.run(["ping", "-c", "1", "--", host], check=True)',
    detection:
      "Data-flow analysis from the request to the command argument, through helpers in other modules. `shell=True` must be set (a constant `False` or no `shell` argument selects the list form). In a literal argument list the first element is the program and elements after a literal `--` are operands, which are not reported. `shlex.quote`, integer conversion, allow-list membership and full-match checks clear the data.",
    falsePositives:
      "An option-injection finding may be harmless for a program that accepts no dangerous options; say so in a suppression comment.",
    references: ["https://owasp.org/Top10/A03_2021-Injection/", "https://docs.python.org/3/library/subprocess.html#security-considerations", "https://cwe.mitre.org/data/definitions/88.html"],
  },
  check: dataFlowCheck("cmd", { consequence: "The request can choose what runs on the server.", variants: { option: "medium" } }),
});
