// validate.mjs FILE...: check every document of Kubernetes YAML files
// against the OpenAPI schema of its apiVersion and kind, as compiled by
// kubernetes-models (ajv), and refuse fields the schema does not have, as
// the API server's strict field validation (kubectl's default) does.
// Prints "FILE: N documents valid" per file, or one line per error;
// exits 1 if any document is invalid, 2 on a file it cannot read.
import { createRequire } from "node:module";
import { readFileSync } from "node:fs";
import { parseAllDocuments } from "yaml";

const require = createRequire(import.meta.url);

// kubernetes-models keeps one module per apiVersion and kind:
// kubernetes-models/apps/v1/DaemonSet, kubernetes-models/v1/Service.
function modelOf(apiVersion, kind) {
	if (typeof apiVersion !== "string" || typeof kind !== "string" ||
	    !/^[a-z0-9.]+(\/v[a-z0-9]+)?$/.test(apiVersion) || !/^[A-Za-z]+$/.test(kind))
		return null;
	try {
		return require(`kubernetes-models/${apiVersion}/${kind}`)[kind] ?? null;
	} catch {
		return null;
	}
}

// The compiled validators read exactly the properties their schema names,
// and list the keys of a map (labels, data) to check each value: a key
// that validation neither read nor listed is not in the schema.
function watched(value, path, seen) {
	if (value === null || typeof value !== "object")
		return value;
	return new Proxy(value, {
		get(target, key) {
			if (typeof key === "string")
				seen.add(`${path}/${key}`);
			return watched(target[key], `${path}/${String(key)}`, seen);
		},
		has(target, key) {
			if (typeof key === "string")
				seen.add(`${path}/${key}`);
			return key in target;
		},
		ownKeys(target) {
			seen.add(`${path}/*`);
			return Reflect.ownKeys(target);
		},
	});
}

function unknownFields(value, path, seen, out) {
	if (value === null || typeof value !== "object")
		return;
	const listed = seen.has(`${path}/*`);
	for (const [key, child] of Object.entries(value)) {
		const where = `${path}/${key}`;
		if (!Array.isArray(value) && !listed && !seen.has(where))
			out.push(`${where || "/"}: unknown field "${key}"`);
		else
			unknownFields(child, where, seen, out);
	}
}

function check(doc) {
	const Model = modelOf(doc?.apiVersion, doc?.kind);
	if (Model === null)
		return [`unknown apiVersion and kind: ${doc?.apiVersion} ${doc?.kind}`];
	const seen = new Set();
	try {
		Model.prototype.validate.call(watched(doc, "", seen));
	} catch (e) {
		return [e.message];
	}
	const out = [];
	unknownFields(doc, "", seen, out);
	return out;
}

let status = 0;
for (const file of process.argv.slice(2)) {
	let text;
	try {
		text = readFileSync(file, "utf8");
	} catch (e) {
		console.error(`validate: ${file}: ${e.message}`);
		status = 2;
		continue;
	}
	let count = 0, bad = 0;
	for (const [i, parsed] of parseAllDocuments(text).entries()) {
		const name = `${file}: document ${i + 1}`;
		if (parsed.errors.length > 0) {
			console.log(`${name}: ${parsed.errors[0].message}`);
			bad++;
			continue;
		}
		const doc = parsed.toJS();
		if (doc === null)
			continue;
		count++;
		const errors = check(doc);
		for (const e of errors)
			console.log(`${name} (${doc.kind} ${doc.metadata?.name}): ${e}`);
		if (errors.length > 0)
			bad++;
	}
	if (bad > 0)
		status = Math.max(status, 1);
	else
		console.log(`${file}: ${count} documents valid`);
}
process.exit(status);
