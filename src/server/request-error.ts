import { RtspkitError } from '../errors.js'

/** A request the server refuses with `status`: thrown deep in handling, answered by the façade. */
export class RequestError extends RtspkitError {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super('ERR_RTSP_REQUEST', message, { status })
  }
}
