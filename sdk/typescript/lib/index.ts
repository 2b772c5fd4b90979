/**
 * msb: SSH into msb sandboxes from Node.js, over libmsb.
 *
 *     import { Sandbox } from "msb";
 *     const sb = await Sandbox.get("dev");
 *     await using client = await sb.ssh().openClient();
 *     const out = await client.exec("uname -a");
 *     console.log(out.status, out.stdout.toString());
 *
 * Every call that talks to the sandbox returns a Promise; libmsb's
 * blocking call runs on a thread of its own, off the event loop. Failures
 * reject with the MsbError subclass of libmsb's status, carrying its
 * message (see errors.ts).
 */
import { ClosedError } from "./errors.js";
import { native, type Handle, type NativeAttrs } from "./native.js";

export * from "./errors.js";

/** What attach() resolves with when the detach keys ended it; no exit code is negative. */
export const DETACHED = -1;

/** Options of ssh.openClient(). */
export interface SshClientOptions {
  /** SSH login user, which is the guest user; default "root". */
  user?: string;
  /** Terminal name for PTYs; default $TERM, else "xterm". */
  term?: string;
  /** Whether the internal server offers SFTP; default true. */
  sftp?: boolean;
}

/** Options of client.exec(). */
export interface SshExecOptions {
  /** Request a PTY (80x24) for the command; its stderr then arrives in stdout. */
  tty?: boolean;
}

/** Options of client.attach(). */
export interface SshAttachOptions {
  /** Terminal name for the shell; default the client's. */
  term?: string;
  /** Docker's notation, default "ctrl-p,ctrl-q"; "" disables detaching. */
  detachKeys?: string;
}

/** Options of ssh.prepareServer(). */
export interface SshServerOptions {
  /** Host private key; default MSB_HOME/ssh/host_ed25519_key, created if missing. */
  hostKeyPath?: string;
  /** Authorized keys, read on every connection; default MSB_HOME/ssh/authorized_keys. */
  authorizedKeysPath?: string;
  /** Guest user for every request; default the login name. */
  user?: string;
  /** Whether SFTP is offered; default true. */
  sftp?: boolean;
}

/** A finished command: exit status and everything it wrote. */
export class SshOutput {
  constructor(
    /** Exit status; 128+N when the command died by signal N. */
    readonly status: number,
    /** N when the command died by signal N, else 0. */
    readonly signal: number,
    readonly stdout: Buffer,
    readonly stderr: Buffer,
  ) {}

  /** True when the command exited with status 0. */
  get success(): boolean {
    return this.status === 0 && this.signal === 0;
  }
}

/** A file's attributes as the server reports them (mode as st_mode). */
export class SftpAttrs {
  readonly size: number;
  readonly mode: number;
  readonly uid: number;
  readonly gid: number;
  /** Seconds since the epoch. */
  readonly atime: number;
  readonly mtime: number;

  constructor(a: NativeAttrs) {
    this.size = a.size;
    this.mode = a.mode;
    this.uid = a.uid;
    this.gid = a.gid;
    this.atime = a.atime;
    this.mtime = a.mtime;
  }

  isDirectory(): boolean {
    return (this.mode & 0o170000) === 0o040000;
  }

  isFile(): boolean {
    return (this.mode & 0o170000) === 0o100000;
  }

  isSymbolicLink(): boolean {
    return (this.mode & 0o170000) === 0o120000;
  }

  /** The permission bits (mode & 0o7777). */
  get permissions(): number {
    return this.mode & 0o7777;
  }
}

/** One directory entry: its name (not a path) and attributes. */
export interface SftpEntry {
  name: string;
  attrs: SftpAttrs;
}

function closedError(what: string): Promise<never> {
  return Promise.reject(new ClosedError(`the ${what} is closed`, "MSB_ERR_INVALID", 1));
}

/**
 * An existing sandbox, by name (under $MSB_HOME, default ~/.microsandbox).
 * Nothing connects until ssh().openClient() or ssh().prepareServer().
 */
export class Sandbox {
  private constructor(readonly name: string) {}

  /** The sandbox called name; rejects with NoSandboxError, or InvalidError for a bad name. */
  static async get(name: string): Promise<Sandbox> {
    await native.check(name);
    return new Sandbox(name);
  }

  /** The SSH namespace: openClient() and prepareServer(). */
  ssh(): SandboxSshOps {
    return new SandboxSshOps(this.name);
  }
}

/** SSH client and server helpers of a sandbox, from sb.ssh(). */
export class SandboxSshOps {
  /** @internal */
  constructor(readonly sandboxName: string) {}

  /**
   * Connects a native in-process SSH client: no listener, key file or ssh
   * binary. Rejects with NoSandboxError, NotRunningError, SetupError or SshError.
   */
  async openClient(opts: SshClientOptions = {}): Promise<SshClient> {
    const h = await native.connect(this.sandboxName, opts.user ?? null, opts.term ?? null,
      opts.sftp !== false);
    return new SshClient(h);
  }

  /**
   * Prepares a reusable endpoint for external SSH clients. Rejects with
   * KeysError when the host key or the authorized keys are unusable.
   */
  async prepareServer(opts: SshServerOptions = {}): Promise<SshServer> {
    const h = await native.serverNew(this.sandboxName, opts.hostKeyPath ?? null,
      opts.authorizedKeysPath ?? null, opts.user ?? null, opts.sftp !== false);
    return new SshServer(h);
  }
}

/**
 * A native SSH client session. Calls may run at once over the one
 * connection. close() waits for the calls in flight, closes the SFTP
 * sessions opened on it, and may be called again; `await using` closes it.
 */
export class SshClient {
  #h: Handle;
  #sftps = new Set<SftpClient>();
  #closing: Promise<void> | null = null;

  /** @internal */
  constructor(h: Handle) {
    this.#h = h;
  }

  get closed(): boolean {
    return this.#closing !== null;
  }

  /**
   * Runs command through the sandbox shell (sh -c), without stdin, and
   * collects its output. A failing command is no error: look at status.
   */
  exec(command: string, opts: SshExecOptions = {}): Promise<SshOutput> {
    if (this.#closing) return closedError("SSH client");
    return native.exec(this.#h, command, opts.tty === true)
      .then((o) => new SshOutput(o.status, o.signal, o.stdout, o.stderr));
  }

  /**
   * Attaches this process's terminal (stdin and stdout must be one, else
   * NotATtyError) to an interactive shell, raw until it ends. Resolves
   * with the shell's exit code, or DETACHED (-1) when the detach keys were
   * typed. Keep the event loop from reading stdin meanwhile.
   */
  attach(opts: SshAttachOptions = {}): Promise<number> {
    if (this.#closing) return closedError("SSH client");
    return native.attach(this.#h, opts.term ?? null, opts.detachKeys ?? null);
  }

  /** Opens an SFTP session (SftpUnavailableError when the client has sftp: false). */
  async sftp(): Promise<SftpClient> {
    if (this.#closing) return closedError("SSH client");
    const s = new SftpClient(await native.sftpOpen(this.#h), this, this.#sftps);
    if (this.#closing) {
      // close() began while the session opened: it waits only for the
      // sessions it saw, so this one is closed here and not handed out.
      await s.close();
      return closedError("SSH client");
    }
    this.#sftps.add(s);
    return s;
  }

  /** Closes the SFTP sessions, disconnects and reaps the internal server. */
  close(): Promise<void> {
    this.#closing ??= Promise.all([...this.#sftps].map((s) => s.close()))
      .then(() => native.close(this.#h));
    return this.#closing;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

/**
 * An SFTP session over its client's connection. Paths are the guest's,
 * relative ones to the user's home. Errors: NotFoundError,
 * PermissionDeniedError, ExistsError (all SftpError), SftpError, SshError.
 */
export class SftpClient {
  #h: Handle;
  #closing: Promise<void> | null = null;
  // Held so the client outlives its sessions; close() leaves the set.
  #client: SshClient;
  #siblings: Set<SftpClient>;

  /** @internal */
  constructor(h: Handle, client: SshClient, siblings: Set<SftpClient>) {
    this.#h = h;
    this.#client = client;
    this.#siblings = siblings;
  }

  get closed(): boolean {
    return this.#closing !== null || this.#client.closed;
  }

  #call<T>(fn: (h: Handle) => Promise<T>): Promise<T> {
    if (this.#closing) return closedError("SFTP session");
    return fn(this.#h);
  }

  /** The whole file. */
  read(path: string): Promise<Buffer> {
    return this.#call((h) => native.read(h, path));
  }

  /** Creates or truncates path (mode 0644) and writes data. */
  write(path: string, data: Buffer | Uint8Array | string): Promise<void> {
    const buf = typeof data === "string" ? Buffer.from(data)
      : Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    return this.#call((h) => native.write(h, path, buf));
  }

  /** Creates a directory (mode 0755). */
  mkdir(path: string): Promise<void> {
    return this.#call((h) => native.mkdir(h, path));
  }

  removeFile(path: string): Promise<void> {
    return this.#call((h) => native.removeFile(h, path));
  }

  /** Removes an empty directory. */
  removeDir(path: string): Promise<void> {
    return this.#call((h) => native.removeDir(h, path));
  }

  rename(oldPath: string, newPath: string): Promise<void> {
    return this.#call((h) => native.rename(h, oldPath, newPath));
  }

  /** The canonical absolute path. */
  realPath(path: string): Promise<string> {
    return this.#call((h) => native.realPath(h, path));
  }

  /** A symlink's target. */
  readLink(path: string): Promise<string> {
    return this.#call((h) => native.readLink(h, path));
  }

  /** Creates linkPath pointing at target. */
  symlink(target: string, linkPath: string): Promise<void> {
    return this.#call((h) => native.symlink(h, target, linkPath));
  }

  /** The attributes of path, following symlinks (libmsb's msb_sftp_stat; not on the page). */
  stat(path: string): Promise<SftpAttrs> {
    return this.#call((h) => native.stat(h, path)).then((a) => new SftpAttrs(a));
  }

  /** The entries of a directory but . and .., in server order (msb_sftp_list_dir; not on the page). */
  listDir(path: string): Promise<SftpEntry[]> {
    return this.#call((h) => native.listDir(h, path))
      .then((v) => v.map((e) => ({ name: e.name, attrs: new SftpAttrs(e.attrs) })));
  }

  /** Ends the SFTP subsystem once the calls in flight return; the client stays open. */
  close(): Promise<void> {
    this.#closing ??= native.close(this.#h).finally(() => this.#siblings.delete(this));
    return this.#closing;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

/**
 * A prepared, reusable server endpoint for external SSH clients. close()
 * while a connection is served frees the endpoint when that one ends.
 */
export class SshServer {
  #h: Handle;
  #closing: Promise<void> | null = null;

  /** @internal */
  constructor(h: Handle) {
    this.#h = h;
  }

  get closed(): boolean {
    return this.#closing !== null;
  }

  /**
   * Serves one SSH connection over this process's stdin and stdout (an
   * OpenSSH ProxyCommand), resolving when it ends. Nothing else may use
   * them meanwhile. Rejects with AuthError when the client never
   * authenticated, SshError on a protocol error.
   */
  serveConnection(): Promise<void> {
    if (this.#closing) return closedError("SSH server endpoint");
    return native.serve(this.#h);
  }

  close(): Promise<void> {
    this.#closing ??= native.close(this.#h);
    return this.#closing;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

