import { readdirSync, readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { PipelineConfig } from '../../config/pipeline.js';
import { trainingJobManifest } from '../../training/kubernetes/manifest.js';
import { DEPLOY, kubernetesObjects, readDeploy, ROOT, yamlFile } from './assets.js';
import { validateKubernetesObject } from './kubernetes-schema.js';

/**
 * deploy/kubernetes/: every manifest against the Kubernetes OpenAPI schemas,
 * and the properties the deployment relies on (probes, RBAC, security
 * context, the pipeline config and the training Job the worker creates).
 * There is no cluster here: nothing is applied.
 */

type Obj = Record<string, any>;
const objects = kubernetesObjects();
const find = (kind: string, name: string): Obj => {
  const hit = objects.find((o) => o.object.kind === kind && (o.object.metadata as Obj).name === name);
  if (!hit) throw new Error(`no ${kind} ${name} in deploy/kubernetes`);
  return hit.object;
};
const podSpecs = (): { where: string; spec: Obj }[] =>
  objects
    .filter((o) => ['Deployment', 'Job'].includes(o.object.kind as string))
    .map((o) => ({ where: `${o.file} ${o.object.kind}/${(o.object.metadata as Obj).name}`, spec: (o.object as Obj).spec.template.spec }));
const envOf = (container: Obj): Map<string, Obj> => new Map((container.env ?? []).map((e: Obj) => [e.name, e]));
const pipelines = (): PipelineConfig[] => Object.values(find('ConfigMap', 'driftloop-pipelines').data as Record<string, string>).map((text) => PipelineConfig.parse(parse(text)));

describe('Kubernetes manifests (deploy/kubernetes)', () => {
  it('every object passes the Kubernetes OpenAPI schema and has no field the API does not know', () => {
    expect(objects.length).toBeGreaterThanOrEqual(12);
    for (const { file, object } of objects) {
      expect(() => validateKubernetesObject(object), file).not.toThrow();
    }
    const kinds = new Set(objects.map((o) => o.object.kind));
    for (const kind of ['Deployment', 'Service', 'HorizontalPodAutoscaler', 'Job', 'ServiceAccount', 'Role', 'RoleBinding', 'ConfigMap', 'Secret']) {
      expect(kinds, kind).toContain(kind);
    }
  });

  it('the validators reject a broken manifest (wrong type, unknown field, missing required field)', () => {
    const hpa = structuredClone(find('HorizontalPodAutoscaler', 'driftloop-serving'));
    hpa.spec.minReplicas = 'two';
    expect(() => validateKubernetesObject(hpa)).toThrow(/minReplicas/);
    const typo = structuredClone(find('Deployment', 'driftloop-serving'));
    typo.spec.template.spec.containers[0].readinesProbe = typo.spec.template.spec.containers[0].readinessProbe;
    expect(() => validateKubernetesObject(typo)).toThrow(/spec\.template\.spec\.containers\.0\.readinesProbe/);
    const noSelector = structuredClone(find('Deployment', 'driftloop-worker'));
    delete noSelector.spec.selector;
    expect(() => validateKubernetesObject(noSelector)).toThrow(/selector/);
    const badQuantity = structuredClone(find('Deployment', 'driftloop-worker'));
    badQuantity.spec.template.spec.containers[0].resources.limits.memory = 'two gigs';
    expect(() => validateKubernetesObject(badQuantity)).toThrow(/memory/);
  });

  it('kustomization.yaml applies every manifest except the training Job template, into namespace driftloop', () => {
    const k = yamlFile('kubernetes/kustomization.yaml') as Obj;
    const files = readdirSync(DEPLOY + 'kubernetes').filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml');
    expect([...k.resources].sort()).toEqual(files.filter((f) => f !== 'trainer-job.yaml').sort());
    expect(k.namespace).toBe('driftloop');
    for (const { object } of objects) {
      if (object.kind !== 'Namespace') expect((object.metadata as Obj).namespace, `${object.kind}`).toBe('driftloop');
    }
  });

  it('every pod runs non-root with a RuntimeDefault seccomp profile, no privilege escalation, no capabilities, a read-only root and resource requests and limits', () => {
    const specs = podSpecs();
    expect(specs.length).toBe(3);
    for (const { where, spec } of specs) {
      expect(spec.securityContext.runAsNonRoot, where).toBe(true);
      expect(spec.securityContext.seccompProfile, where).toEqual({ type: 'RuntimeDefault' });
      if (spec.securityContext.runAsUser !== undefined) expect(spec.securityContext.runAsUser, where).toBeGreaterThan(0);
      for (const c of spec.containers) {
        expect(c.securityContext, where).toMatchObject({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
        for (const kind of ['requests', 'limits']) {
          expect(c.resources[kind]?.cpu, `${where} ${kind}.cpu`).toBeTruthy();
          expect(c.resources[kind]?.memory, `${where} ${kind}.memory`).toBeTruthy();
        }
        // A read-only root needs somewhere to write temporary files.
        expect(c.volumeMounts.map((m: Obj) => m.mountPath), where).toContain('/tmp');
        // Pinned images: a tag, never "latest".
        expect(c.image, where).toMatch(/^[a-z0-9./-]+:(?!latest$)[A-Za-z0-9._-]+$|@sha256:[0-9a-f]{64}$/);
      }
    }
  });

  it('serving: readiness on /v2/health/ready and liveness on /v2/health/live of the container port the Service and the V2 routes use; the HPA (autoscaling/v2) scales that Deployment', () => {
    const deployment = find('Deployment', 'driftloop-serving');
    const [c] = deployment.spec.template.spec.containers;
    expect(c.readinessProbe.httpGet).toEqual({ path: '/v2/health/ready', port: 'http' });
    expect(c.livenessProbe.httpGet).toEqual({ path: '/v2/health/live', port: 'http' });
    expect(c.ports).toEqual([{ name: 'http', containerPort: 8080 }]);
    const routes = readFileSync(ROOT + 'serving/routes/v2.ts', 'utf8');
    expect(routes).toContain("app.get('/v2/health/ready'");
    expect(routes).toContain("app.get('/v2/health/live'");
    // The image's ENTRYPOINT serves on 8080 on every interface; the args pick the model.
    expect(c.args).toEqual(['--model', 'churn', '--alias', 'champion']);
    expect(readDeploy('docker/serving.Dockerfile')).toContain('ENTRYPOINT ["node", "bin/driftloop.js", "serve", "--host", "0.0.0.0", "--port", "8080"]');

    const service = find('Service', 'driftloop-serving');
    expect(service.spec.selector).toEqual(deployment.spec.selector.matchLabels);
    expect(deployment.spec.template.metadata.labels).toMatchObject(deployment.spec.selector.matchLabels);
    expect(service.spec.ports[0].targetPort).toBe('http');

    const hpa = find('HorizontalPodAutoscaler', 'driftloop-serving');
    expect(hpa.apiVersion).toBe('autoscaling/v2');
    expect(hpa.spec.scaleTargetRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: 'driftloop-serving' });
    expect(hpa.spec.minReplicas).toBeLessThanOrEqual(hpa.spec.maxReplicas);
    // CPU utilization needs CPU requests to be measured against.
    expect(hpa.spec.metrics[0].resource.name).toBe('cpu');
    expect(c.resources.requests.cpu).toBeTruthy();
  });

  it('RBAC: the worker may do to Jobs, pods and pod logs exactly what the kubernetes runner calls, in its namespace only', () => {
    // The runner's Kubernetes API calls, read from its sources: a new call without a rule here turns this red.
    const VERBS: Record<string, [string, string, string]> = {
      createNamespacedJob: ['batch', 'jobs', 'create'],
      readNamespacedJob: ['batch', 'jobs', 'get'],
      deleteNamespacedJob: ['batch', 'jobs', 'delete'],
      listNamespacedPod: ['', 'pods', 'list'],
      readNamespacedPodLog: ['', 'pods/log', 'get'],
    };
    const dir = ROOT + 'training/kubernetes/';
    const calls = new Set<string>();
    for (const f of readdirSync(dir).filter((f) => f.endsWith('.ts'))) {
      for (const m of readFileSync(dir + f, 'utf8').matchAll(/\.(?:batch|core)\.(\w+)\(/g)) calls.add(m[1]!);
    }
    expect([...calls].sort()).toEqual(Object.keys(VERBS).sort());

    const granted = new Set<string>();
    const role = find('Role', 'driftloop-training-jobs');
    for (const rule of role.rules) {
      for (const g of rule.apiGroups) for (const r of rule.resources) for (const v of rule.verbs) granted.add(`${g}|${r}|${v}`);
    }
    expect([...granted].sort()).toEqual(Object.values(VERBS).map((v) => v.join('|')).sort());
    expect(objects.some((o) => ['ClusterRole', 'ClusterRoleBinding'].includes(o.object.kind as string))).toBe(false);

    const binding = find('RoleBinding', 'driftloop-worker-training-jobs');
    expect(binding.roleRef).toEqual({ apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'driftloop-training-jobs' });
    expect(binding.subjects).toEqual([{ kind: 'ServiceAccount', name: 'driftloop-worker', namespace: 'driftloop' }]);
    expect(find('Deployment', 'driftloop-worker').spec.template.spec.serviceAccountName).toBe('driftloop-worker');
    // Nobody else gets a token.
    expect(find('ServiceAccount', 'driftloop-trainer').automountServiceAccountToken).toBe(false);
    expect(find('Deployment', 'driftloop-serving').spec.template.spec.automountServiceAccountToken).toBe(false);
  });

  it('the ConfigMap holds valid pipeline configs whose kubernetes runner names this namespace, service account, volume and mount path', () => {
    const configs = pipelines();
    expect(configs.map((c) => c.model)).toEqual(['churn']);
    const worker = find('Deployment', 'driftloop-worker').spec.template.spec;
    const env = envOf(worker.containers[0]);
    for (const p of configs) {
      expect(p.trainer.runner).toBe('kubernetes');
      const k = p.trainer.kubernetes!;
      expect(k.namespace).toBe('driftloop');
      expect(find('ServiceAccount', k.serviceAccount!)).toBeTruthy();
      expect(find('PersistentVolumeClaim', k.volumeClaim).spec.accessModes).toEqual(['ReadWriteMany']);
      // The Job mounts the volume where the worker's DRIFTLOOP_HOME is (the runner maps paths under it).
      expect(env.get('DRIFTLOOP_HOME')!.value).toBe(k.mountPath);
      const homeVolume = worker.volumes.find((v: Obj) => v.persistentVolumeClaim?.claimName === k.volumeClaim);
      expect(worker.containers[0].volumeMounts.find((m: Obj) => m.name === homeVolume.name).mountPath).toBe(k.mountPath);
      for (const path of [p.data.reference, p.data.current]) expect(path.startsWith(k.mountPath + '/')).toBe(true);
    }
    // Mounted where DRIFTLOOP_CONFIG_DIR points.
    const pipelinesVolume = worker.volumes.find((v: Obj) => v.configMap?.name === 'driftloop-pipelines');
    expect(worker.containers[0].volumeMounts.find((m: Obj) => m.name === pipelinesVolume.name).mountPath).toBe(env.get('DRIFTLOOP_CONFIG_DIR')!.value);
  });

  it('trainer-job.yaml is exactly the Job training/kubernetes/manifest.ts makes for that pipeline', () => {
    const [pipeline] = pipelines();
    const k = pipeline!.trainer.kubernetes!;
    const hash = '0'.repeat(64);
    const made = trainingJobManifest({
      request: { modelName: pipeline!.model } as never,
      requestHash: hash,
      paths: { request: `${k.mountPath}/runs/${hash}/request.json`, data: `${k.mountPath}/datasets/${hash}.csv`, out: `${k.mountPath}/runs/${hash}/out` },
      home: k.mountPath,
      config: k,
      timeoutSeconds: pipeline!.trainer.timeoutMinutes * 60,
    });
    expect(find('Job', made.metadata!.name!)).toEqual(JSON.parse(JSON.stringify(made)));
  });

  it('the worker exports the SDK metrics on its named metrics port, which its probes and Prometheus use', () => {
    const [c] = find('Deployment', 'driftloop-worker').spec.template.spec.containers;
    const address = envOf(c).get('DRIFTLOOP_WORKER_METRICS_ADDRESS')!.value as string;
    expect(address).toBe('0.0.0.0:9464');
    expect(c.ports).toEqual([{ name: 'metrics', containerPort: 9464 }]);
    expect(c.livenessProbe.httpGet).toEqual({ path: '/metrics', port: 'metrics' });
    const prom = yamlFile('prometheus/prometheus-kubernetes.yml') as Obj;
    const keeps = prom.scrape_configs.map((s: Obj) => s.relabel_configs.find((r: Obj) => r.action === 'keep').regex);
    expect(keeps.sort()).toEqual(['driftloop-serving;http', 'driftloop-worker;metrics']);
    expect(find('Deployment', 'driftloop-serving').spec.template.metadata.labels['app.kubernetes.io/name']).toBe('driftloop-serving');
  });

  it('the Secret is a template of placeholders covering every secret the pods read', () => {
    const secret = find('Secret', 'driftloop-secrets');
    const text = readDeploy('kubernetes/secret.yaml');
    expect(text).toMatch(/^# TEMPLATE/m);
    expect(secret.data).toBeUndefined();
    for (const [key, value] of Object.entries(secret.stringData as Record<string, string>)) {
      expect(value, key).toContain('REPLACE_ME');
    }
    const referenced = new Set<string>();
    for (const { spec } of podSpecs()) {
      for (const c of spec.containers) {
        for (const e of c.env ?? []) {
          if (e.valueFrom?.secretKeyRef) {
            expect(e.valueFrom.secretKeyRef.name).toBe('driftloop-secrets');
            referenced.add(e.valueFrom.secretKeyRef.key);
          }
          // Secrets never inline.
          if (/TOKEN|SECRET|PASSWORD|DATABASE_URL/.test(e.name)) expect(e.value, e.name).toBeUndefined();
        }
      }
    }
    expect([...referenced].every((k) => k in secret.stringData)).toBe(true);
    expect(Object.keys(secret.stringData).sort()).toEqual(['DRIFTLOOP_DATABASE_URL', 'DRIFTLOOP_GITHUB_TOKEN', 'DRIFTLOOP_GITHUB_WEBHOOK_SECRET']);
  });
});
