// Checks deploy/k8s/*.yaml parse and fit together: kinds, probes on /healthz, the Secret the
// Deployment reads, and the selectors and names the Service, HPA and PDB use. (No Kubernetes API
// server here: this is the structure, not a dry run.)
//   node k8s_check.mjs DEPLOY_K8S_DIR NPM_DIR
import { readFileSync, readdirSync } from "node:fs";
import { createRequire } from "node:module";
import { join, resolve } from "node:path";

const [dir, npmDir] = process.argv.slice(2);
const require = createRequire(join(resolve(npmDir), "node_modules", "noop.js"));
let failed = 0;
const report = (check, ok, saw = "") => {
  if (ok) console.log(`PASS k8s: ${check}`);
  else { failed++; console.log(`FAIL k8s: ${check} — ${saw}`); }
};
let YAML;
try { YAML = require("yaml"); } catch (e) {
  report("the yaml parser is installed", false, String(e)); process.exit(1);
}
const docs = {};
for (const f of readdirSync(dir).filter((f) => f.endsWith(".yaml"))) {
  try {
    const d = YAML.parse(readFileSync(join(dir, f), "utf8"));
    docs[d.kind] = d;
  } catch (e) { report(`${f} parses`, false, String(e)); }
}
const kinds = ["Kustomization", "Secret", "Deployment", "Service", "HorizontalPodAutoscaler", "PodDisruptionBudget"];
report("every manifest parses; kinds " + kinds.join(", "), kinds.every((k) => docs[k]), Object.keys(docs).join(", "));
const dep = docs.Deployment, c = dep?.spec?.template?.spec?.containers?.[0] ?? {};
const labels = dep?.spec?.template?.metadata?.labels ?? {};
const matches = (sel) => sel && Object.entries(sel).every(([k, v]) => labels[k] === v);
const port = (name) => (c.ports ?? []).find((p) => p.name === name)?.containerPort;
report("readiness and liveness probe GET /healthz on the MCP port",
  ["readinessProbe", "livenessProbe"].every((p) => c[p]?.httpGet?.path === "/healthz" && c[p]?.httpGet?.port === "mcp") && port("mcp") === 8787,
  JSON.stringify({ readiness: c.readinessProbe, liveness: c.livenessProbe }));
const env = Object.fromEntries((c.env ?? []).map((e) => [e.name, e]));
const ref = env.DS24_MCP_STATE_SECRET?.valueFrom?.secretKeyRef;
report("the state secret comes from the Secret", ref && ref.name === docs.Secret?.metadata?.name && docs.Secret?.stringData?.[ref.key] !== undefined, JSON.stringify(ref));
report("listens on 0.0.0.0:8787 with a public host allowlist", env.DS24_MCP_LISTEN?.value === "0.0.0.0:8787" && env.DS24_MCP_ALLOWED_HOSTS?.value, JSON.stringify(env));
report("runs as non-root 65532", dep?.spec?.template?.spec?.securityContext?.runAsNonRoot === true && dep.spec.template.spec.securityContext.runAsUser === 65532);
report("Service, PDB and Deployment select the pods", matches(docs.Service?.spec?.selector) && matches(docs.PodDisruptionBudget?.spec?.selector?.matchLabels) && matches(dep?.spec?.selector?.matchLabels));
report("the HPA scales the Deployment", docs.HorizontalPodAutoscaler?.spec?.scaleTargetRef?.name === dep?.metadata?.name);
report("the kustomization lists every manifest", (docs.Kustomization?.resources ?? []).length === readdirSync(dir).filter((f) => f.endsWith(".yaml") && f !== "kustomization.yaml").length);
process.exit(failed ? 1 : 0);
