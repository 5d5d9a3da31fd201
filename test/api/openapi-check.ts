/**
 * A checker for the subset of OpenAPI 3.1 / JSON Schema 2020-12 that docs/openapi.json uses. A
 * keyword it does not know is an error, not silently passed: the document cannot grow a constraint
 * the contract tests would not check.
 */
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { ROOT } from '../interop/harness.js'

type Schema = Record<string, unknown>

const ANNOTATIONS = new Set(['description', 'title', 'examples'])
const KEYWORDS = new Set([
  'type',
  'properties',
  'required',
  'additionalProperties',
  'items',
  'enum',
  'minimum',
  'maximum',
  'format',
  'oneOf',
  '$ref',
])
/** RFC 3339 §5.6 date-time. */
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/

export class UnsupportedSchemaError extends Error {}

function typeOf(v: unknown): string {
  if (v === null) return 'null'
  if (Array.isArray(v)) return 'array'
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number'
  return typeof v
}

function typeMatches(want: string, v: unknown): boolean {
  const t = typeOf(v)
  if (want === 'number') return (t === 'number' || t === 'integer') && Number.isFinite(v)
  return want === t
}

/** Resolves a local `#/a/b` reference in `root`. */
export function resolveRef(root: unknown, ref: string): Schema {
  if (!ref.startsWith('#/')) throw new UnsupportedSchemaError(`only local references: ${ref}`)
  let node: unknown = root
  for (const part of ref.slice(2).split('/')) {
    node = (node as Record<string, unknown> | undefined)?.[part.replace(/~1/g, '/').replace(/~0/g, '~')]
    if (node === undefined) throw new UnsupportedSchemaError(`dangling reference ${ref}`)
  }
  return node as Schema
}

/** Every violation of `schema` by `value`, as "$.a.b: what"; [] when it conforms. */
export function validate(schema: Schema, value: unknown, root: unknown, at = '$'): string[] {
  for (const k of Object.keys(schema)) {
    if (!KEYWORDS.has(k) && !ANNOTATIONS.has(k)) throw new UnsupportedSchemaError(`${at}: keyword "${k}" is not supported by the checker`)
  }
  if (typeof schema.$ref === 'string') return validate(resolveRef(root, schema.$ref), value, root, at)
  const errors: string[] = []
  if (schema.type !== undefined) {
    const types = Array.isArray(schema.type) ? (schema.type as string[]) : [schema.type as string]
    if (!types.some((t) => typeMatches(t, value))) return [`${at}: expected ${types.join(' or ')}, got ${typeOf(value)}`]
  }
  if (Array.isArray(schema.enum) && !schema.enum.includes(value))
    errors.push(`${at}: ${JSON.stringify(value)} not in ${JSON.stringify(schema.enum)}`)
  if (typeof value === 'number') {
    if (typeof schema.minimum === 'number' && value < schema.minimum) errors.push(`${at}: ${value} < minimum ${schema.minimum}`)
    if (typeof schema.maximum === 'number' && value > schema.maximum) errors.push(`${at}: ${value} > maximum ${schema.maximum}`)
  }
  if (schema.format !== undefined) {
    if (schema.format !== 'date-time') throw new UnsupportedSchemaError(`${at}: format ${JSON.stringify(schema.format)} is not supported`)
    if (typeof value === 'string' && !(DATE_TIME.test(value) && !Number.isNaN(Date.parse(value))))
      errors.push(`${at}: "${value}" is not a date-time`)
  }
  if (Array.isArray(schema.oneOf)) {
    const passing = (schema.oneOf as Schema[]).filter((s) => validate(s, value, root, at).length === 0).length
    if (passing !== 1) errors.push(`${at}: matches ${passing} of oneOf, needs exactly 1`)
  }
  if (typeOf(value) === 'object') {
    const obj = value as Record<string, unknown>
    const props = (schema.properties ?? {}) as Record<string, Schema>
    for (const r of (schema.required ?? []) as string[]) if (!(r in obj)) errors.push(`${at}: missing required "${r}"`)
    for (const [k, v] of Object.entries(obj)) {
      if (props[k]) errors.push(...validate(props[k], v, root, `${at}.${k}`))
      else if (schema.additionalProperties === false) errors.push(`${at}: unexpected property "${k}"`)
      else if (typeof schema.additionalProperties === 'object')
        errors.push(...validate(schema.additionalProperties as Schema, v, root, `${at}.${k}`))
    }
  }
  if (Array.isArray(value) && schema.items)
    value.forEach((v, i) => errors.push(...validate(schema.items as Schema, v, root, `${at}[${i}]`)))
  return errors
}

interface MediaType {
  schema?: Schema
}
interface ResponseObject {
  $ref?: string
  content?: Record<string, MediaType>
  headers?: Record<string, unknown>
}
interface Operation {
  operationId: string
  responses: Record<string, ResponseObject>
}

export interface OpenApiDocument {
  openapi: string
  /** Path items: an Operation under each method name, beside other fields (parameters, summary…). */
  paths: Record<string, Record<string, unknown>>
  components: { schemas: Record<string, Schema>; responses: Record<string, ResponseObject> }
}

export function loadOpenApi(): OpenApiDocument {
  return JSON.parse(readFileSync(path.join(ROOT, 'docs/openapi.json'), 'utf8')) as OpenApiDocument
}

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options']

/** Every operation of the document as "METHOD /template". */
export function operations(doc: OpenApiDocument): string[] {
  const out: string[] = []
  for (const [p, item] of Object.entries(doc.paths))
    for (const m of Object.keys(item)) if (METHODS.includes(m)) out.push(`${m.toUpperCase()} ${p}`)
  return out
}

/** The documented template a concrete request path matches (`/v1/paths/a%2Fb` → `/v1/paths/{name}`). */
export function matchTemplate(doc: OpenApiDocument, requestPath: string): string | undefined {
  for (const template of Object.keys(doc.paths)) {
    const re = new RegExp('^' + template.replace(/\{[^}]+\}/g, '[^/]+') + '$')
    if (re.test(requestPath)) return template
  }
  return undefined
}

export interface CheckedResponse {
  status: number
  headers: Headers
  text: string
}

/**
 * Checks a response against the operation `method template`: the status is documented, the media
 * type is the documented one, and a JSON body conforms to its schema. Returns the violations.
 */
export function checkResponse(doc: OpenApiDocument, method: string, template: string, res: CheckedResponse): string[] {
  const op = doc.paths[template]?.[method.toLowerCase()] as Operation | undefined
  if (!op) return [`${method} ${template} is not documented`]
  let response = op.responses[String(res.status)]
  if (!response)
    return [`${method} ${template}: status ${res.status} is not documented (documented: ${Object.keys(op.responses).join(', ')})`]
  if (response.$ref) response = resolveRef(doc, response.$ref)
  const content = response.content
  if (!content)
    return res.text === '' ? [] : [`${method} ${template} ${res.status}: documented without a body, got "${res.text.slice(0, 80)}"`]
  const type = (res.headers.get('content-type') ?? '').split(';')[0]!.trim()
  const media = content[type]
  if (!media) return [`${method} ${template} ${res.status}: content type "${type}" is not documented (${Object.keys(content).join(', ')})`]
  let body: unknown = res.text
  if (type === 'application/json') {
    try {
      body = JSON.parse(res.text)
    } catch {
      return [`${method} ${template} ${res.status}: body is not JSON`]
    }
  }
  return media.schema ? validate(media.schema, body, doc) : []
}
