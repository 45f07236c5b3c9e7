import * as YAML from "yaml"; import * as fs from "fs";
const crd = YAML.parse(fs.readFileSync("tests/fixtures/karpenter-crds/karpenter.k8s.aws_ec2nodeclasses.yaml","utf8"));
function walk(s: any, path: string) { if (!s || typeof s !== "object") return;
  const show = ["pattern","maxLength","minLength","maxItems","minItems","maxProperties","minimum","maximum","enum","required"].filter(k=>s[k]!==undefined).map(k=>`${k}=${JSON.stringify(s[k])}`);
  if (show.length) console.log(path, show.join(" "));
  for (const v of s["x-kubernetes-validations"] ?? []) console.log(path, "CEL", v.rule, "=>", v.message);
  for (const [k,v] of Object.entries(s.properties ?? {})) walk(v, path+"."+k);
  if (s.items) walk(s.items, path+"[]"); if (s.additionalProperties && typeof s.additionalProperties==="object") walk(s.additionalProperties, path+"{}");
}
walk(crd.spec.versions[0].schema.openAPIV3Schema.properties.spec, "spec");
