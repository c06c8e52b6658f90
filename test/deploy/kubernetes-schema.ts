import * as k8s from '@kubernetes/client-node';
import { Namespace } from 'kubernetes-models/v1/Namespace';
import { ServiceAccount } from 'kubernetes-models/v1/ServiceAccount';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { Secret } from 'kubernetes-models/v1/Secret';
import { PersistentVolumeClaim } from 'kubernetes-models/v1/PersistentVolumeClaim';
import { Service } from 'kubernetes-models/v1/Service';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { Job } from 'kubernetes-models/batch/v1/Job';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler';
import { Role } from 'kubernetes-models/rbac.authorization.k8s.io/v1/Role';
import { RoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1/RoleBinding';

/**
 * Schema validation of Kubernetes objects, two ways:
 * - kubernetes-models (devDependency): JSON Schemas generated from the
 *   Kubernetes OpenAPI spec; `validate()` checks types, required fields,
 *   enums and formats (quantities, int-or-string) — but lets unknown fields through;
 * - @kubernetes/client-node's attribute maps (also generated from the OpenAPI
 *   spec) catch those: a field the API type does not have is reported.
 */

interface Validatable {
  validate(): void;
}
type ModelClass = new (data: never) => Validatable;

/** apiVersion/kind → the kubernetes-models class and the client-node type name. */
const KINDS: Record<string, [ModelClass, string]> = {
  'v1/Namespace': [Namespace as unknown as ModelClass, 'V1Namespace'],
  'v1/ServiceAccount': [ServiceAccount as unknown as ModelClass, 'V1ServiceAccount'],
  'v1/ConfigMap': [ConfigMap as unknown as ModelClass, 'V1ConfigMap'],
  'v1/Secret': [Secret as unknown as ModelClass, 'V1Secret'],
  'v1/PersistentVolumeClaim': [PersistentVolumeClaim as unknown as ModelClass, 'V1PersistentVolumeClaim'],
  'v1/Service': [Service as unknown as ModelClass, 'V1Service'],
  'apps/v1/Deployment': [Deployment as unknown as ModelClass, 'V1Deployment'],
  'batch/v1/Job': [Job as unknown as ModelClass, 'V1Job'],
  'autoscaling/v2/HorizontalPodAutoscaler': [HorizontalPodAutoscaler as unknown as ModelClass, 'V2HorizontalPodAutoscaler'],
  'rbac.authorization.k8s.io/v1/Role': [Role as unknown as ModelClass, 'V1Role'],
  'rbac.authorization.k8s.io/v1/RoleBinding': [RoleBinding as unknown as ModelClass, 'V1RoleBinding'],
};

/** Throws (naming the object and what is wrong) unless `object` passes both checks. */
export function validateKubernetesObject(object: Record<string, unknown>): void {
  const key = `${object.apiVersion}/${object.kind}`;
  const entry = KINDS[key];
  const name = `${key} ${(object.metadata as { name?: string } | undefined)?.name ?? '?'}`;
  if (!entry) throw new Error(`${name}: no schema for ${key} in this test`);
  const [Model, type] = entry;
  new Model(structuredClone(object) as never).validate();
  const unknown = unknownFields(object, type);
  if (unknown.length) throw new Error(`${name}: fields the API does not know: ${unknown.join(', ')}`);
}

/** Fields of `value` that the Kubernetes API type `type` does not have (paths joined by dots). */
export function unknownFields(value: unknown, type: string, path: string[] = []): string[] {
  const array = /^Array<(.+)>$/.exec(type);
  if (array) return Array.isArray(value) ? value.flatMap((v, i) => unknownFields(v, array[1]!, [...path, String(i)])) : [];
  const map = /^\{ \[key: string\]: (.+); \}$/.exec(type);
  if (map) {
    return value && typeof value === 'object' ? Object.entries(value).flatMap(([k, v]) => unknownFields(v, map[1]!, [...path, k])) : [];
  }
  const model = (k8s as unknown as Record<string, { getAttributeTypeMap?: () => Array<{ baseName: string; type: string }> }>)[type];
  if (!model?.getAttributeTypeMap || !value || typeof value !== 'object') return [];
  const attributes = new Map(model.getAttributeTypeMap().map((a) => [a.baseName, a.type]));
  return Object.entries(value).flatMap(([k, v]) => {
    const t = attributes.get(k);
    return t === undefined ? [[...path, k].join('.')] : unknownFields(v, t, [...path, k]);
  });
}
