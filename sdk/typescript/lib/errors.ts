/**
 * One Error subclass per libmsb status, named as the Python binding names
 * them. `code` is the status name ("MSB_ERR_NOT_FOUND"), as Node's own
 * errors carry "ENOENT"; `status` is its number; `message` is libmsb's.
 * The SFTP path errors (NotFoundError, PermissionDeniedError, ExistsError)
 * are SftpError subclasses.
 */
export class MsbError extends Error {
  /** The msb_status name, e.g. "MSB_ERR_NOT_FOUND". */
  readonly code: string;
  /** The msb_status value. */
  readonly status: number;

  constructor(message: string, code = "MSB_ERR_UNKNOWN", status = -1) {
    super(message);
    this.name = new.target.name;
    this.code = code;
    this.status = status;
  }
}

/** A bad argument: bad name, NUL in a string, bad detach keys... */
export class InvalidError extends MsbError {}
export class NoMemoryError extends MsbError {}
/** No sandbox has that name. */
export class NoSandboxError extends MsbError {}
/** The sandbox exists but is stopped or crashed. */
export class NotRunningError extends MsbError {}
/** The host is not ready: helpers, MSB_HOME, the preauth account. */
export class SetupError extends MsbError {}
/** A host key or authorized-keys set is unusable or empty. */
export class KeysError extends MsbError {}
/** The SSH client did not authenticate. */
export class AuthError extends MsbError {}
/** The SSH connection failed or was lost. */
export class SshError extends MsbError {}
/** The server refused a channel or a request on it. */
export class ChannelError extends MsbError {}
/** The server refused the sftp subsystem (SFTP disabled). */
export class SftpUnavailableError extends MsbError {}
/** SFTP: a failure the server reported; base of the SFTP path errors. */
export class SftpError extends MsbError {}
/** SFTP: no such file or directory. */
export class NotFoundError extends SftpError {}
/** SFTP: permission denied. */
export class PermissionDeniedError extends SftpError {}
/** SFTP: the path already exists. */
export class ExistsError extends SftpError {}
/** attach needs stdin and stdout on a terminal. */
export class NotATtyError extends MsbError {}
/** A local read, write or terminal call failed. */
export class LocalIOError extends MsbError {}
/** The client, session or endpoint was closed; raised by the binding (code MSB_ERR_INVALID). */
export class ClosedError extends InvalidError {}

const byName: Record<string, new (m: string, c: string, s: number) => MsbError> = {
  MSB_ERR_INVALID: InvalidError,
  MSB_ERR_NOMEM: NoMemoryError,
  MSB_ERR_NO_SANDBOX: NoSandboxError,
  MSB_ERR_NOT_RUNNING: NotRunningError,
  MSB_ERR_SETUP: SetupError,
  MSB_ERR_KEYS: KeysError,
  MSB_ERR_AUTH: AuthError,
  MSB_ERR_SSH: SshError,
  MSB_ERR_CHANNEL: ChannelError,
  MSB_ERR_SFTP_UNAVAILABLE: SftpUnavailableError,
  MSB_ERR_NOT_FOUND: NotFoundError,
  MSB_ERR_PERMISSION: PermissionDeniedError,
  MSB_ERR_EXISTS: ExistsError,
  MSB_ERR_SFTP: SftpError,
  MSB_ERR_NOT_A_TTY: NotATtyError,
  MSB_ERR_IO: LocalIOError,
};

/** The error the native module rejects with for a failed status. */
export function errorFor(status: number, name: string, message: string, closed: boolean): MsbError {
  const cls = closed ? ClosedError : (byName[name] ?? MsbError);
  return new cls(message, name, status);
}
