// deploy/kubernetes: every manifest parses, the pieces refer to each other (selectors, named ports,
// the ConfigMap, the Redis Service), and the rtspkit configuration they carry is one rtspkit accepts,
// with the pod's environment applied.
import assert from 'node:assert/strict'
import { readdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { describe, it } from 'node:test'
import { parseAllDocuments } from 'yaml'
import { parseConfig } from '../../src/config/load.js'
import { ROOT } from '../interop/harness.js'

const DIR = path.join(ROOT, 'deploy/kubernetes')

interface Manifest {
  apiVersion: string
  kind: string
  metadata: { name: string; labels?: Record<string, string> }
  spec?: Record<string, unknown>
  data?: Record<string, string>
}

interface Container {
  name: string
  image: string
  args?: string[]
  env?: { name: string; value?: string; valueFrom?: unknown }[]
  ports?: { name: string; containerPort: number }[]
  volumeMounts?: { name: string; mountPath: string }[]
}

interface PodSpec {
  containers: Container[]
  volumes?: { name: string; configMap?: { name: string } }[]
}

function load(): Manifest[] {
  const out: Manifest[] = []
  for (const f of readdirSync(DIR).filter((n) => n.endsWith('.yaml'))) {
    for (const doc of parseAllDocuments(readFileSync(path.join(DIR, f), 'utf8'))) {
      assert.deepEqual(doc.errors, [], `${f} parses`)
      out.push(doc.toJS() as Manifest)
    }
  }
  return out
}

const find = (all: Manifest[], kind: string, name: string): Manifest => {
  const m = all.find((x) => x.kind === kind && x.metadata.name === name)
  assert.ok(m, `${kind} ${name}`)
  return m
}

describe('deploy/kubernetes', () => {
  const all = load()

  it('has a Deployment of nodes, their Services, Redis and the config', () => {
    for (const m of all) {
      assert.ok(m.apiVersion && m.kind && m.metadata?.name, 'apiVersion, kind, metadata.name')
    }
    for (const [kind, name] of [
      ['Deployment', 'rtspkit'],
      ['Service', 'rtspkit'],
      ['Service', 'rtspkit-api'],
      ['Deployment', 'rtspkit-redis'],
      ['Service', 'rtspkit-redis'],
      ['ConfigMap', 'rtspkit-config'],
    ] as const)
      find(all, kind, name)
  })

  it('Services select their Deployments’ pods and name ports the containers have', () => {
    for (const svc of all.filter((m) => m.kind === 'Service')) {
      const selector = svc.spec!.selector as Record<string, string>
      const deployment = all.find(
        (m) =>
          m.kind === 'Deployment' &&
          Object.entries(selector).every(
            ([k, v]) => (m.spec!.template as { metadata: { labels: Record<string, string> } }).metadata.labels[k] === v,
          ),
      )
      assert.ok(deployment, `a Deployment for Service ${svc.metadata.name}`)
      const pod = (deployment.spec!.template as { spec: PodSpec }).spec
      const ports = pod.containers.flatMap((c) => c.ports ?? []).map((p) => p.name)
      for (const p of svc.spec!.ports as { targetPort: string }[])
        assert.ok(ports.includes(p.targetPort), `${svc.metadata.name} → ${p.targetPort}`)
      const matchLabels = (deployment.spec!.selector as { matchLabels: Record<string, string> }).matchLabels
      assert.deepEqual(matchLabels, selector)
    }
  })

  it('carries an rtspkit configuration that joins the Redis Service, with the pod’s name and address', () => {
    const config = find(all, 'ConfigMap', 'rtspkit-config').data!['rtspkit.yml']!
    const pod = (find(all, 'Deployment', 'rtspkit').spec!.template as { spec: PodSpec }).spec
    const container = pod.containers[0]!
    assert.equal(pod.volumes?.find((v) => v.configMap)?.configMap?.name, 'rtspkit-config')
    const mount = container.volumeMounts!.find((v) => v.name === 'config')!.mountPath
    assert.deepEqual(container.args, ['serve', '--config', `${mount}/rtspkit.yml`])
    // Kubernetes expands $(VAR) from earlier variables: as it would for pod rtspkit-7d9-abc at 10.1.2.3.
    const fields: Record<string, string> = { POD_NAME: 'rtspkit-7d9-abc', POD_IP: '10.1.2.3' }
    const env: Record<string, string> = {}
    for (const e of container.env ?? []) {
      env[e.name] = e.value !== undefined ? e.value.replace(/\$\((\w+)\)/g, (_, v: string) => env[v] ?? '') : (fields[e.name] ?? '')
    }
    const parsed = parseConfig({ text: config, env })
    const redis = find(all, 'Service', 'rtspkit-redis')
    const redisPort = (redis.spec!.ports as { port: number }[])[0]!.port
    assert.equal(parsed.cluster.redis, `redis://${redis.metadata.name}:${redisPort}/0`)
    assert.equal(parsed.cluster.node, 'rtspkit-7d9-abc')
    assert.equal(parsed.cluster.advertise, 'rtsp://10.1.2.3:8554')
    const rtsp = container.ports!.find((p) => p.name === 'rtsp')!.containerPort
    assert.equal(parsed.server.rtspPort, rtsp)
    assert.equal(container.ports!.find((p) => p.name === 'api')!.containerPort, parsed.api.port)
  })
})
