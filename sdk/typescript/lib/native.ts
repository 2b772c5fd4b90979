// The Node-API module built from src/ by scripts/build-native.mjs.
import { createRequire } from "node:module";
import { errorFor } from "./errors.js";

/** An opaque libmsb handle (an empty object wrapping the C struct) owned by one wrapper object. */
export type Handle = { readonly __msbHandle: unique symbol };

export interface NativeOutput {
  status: number;
  signal: number;
  stdout: Buffer;
  stderr: Buffer;
}

export interface NativeAttrs {
  size: number;
  mode: number;
  uid: number;
  gid: number;
  atime: number;
  mtime: number;
}

interface Native {
  setErrorFactory(fn: typeof errorFor): void;
  check(name: string): Promise<void>;
  connect(name: string, user: string | null, term: string | null, sftp: boolean): Promise<Handle>;
  serverNew(name: string, hostKeyPath: string | null, authorizedKeysPath: string | null,
    user: string | null, sftp: boolean): Promise<Handle>;
  exec(client: Handle, command: string, tty: boolean): Promise<NativeOutput>;
  attach(client: Handle, term: string | null, detachKeys: string | null): Promise<number>;
  sftpOpen(client: Handle): Promise<Handle>;
  read(sftp: Handle, path: string): Promise<Buffer>;
  write(sftp: Handle, path: string, data: Buffer): Promise<void>;
  mkdir(sftp: Handle, path: string): Promise<void>;
  removeFile(sftp: Handle, path: string): Promise<void>;
  removeDir(sftp: Handle, path: string): Promise<void>;
  rename(sftp: Handle, oldPath: string, newPath: string): Promise<void>;
  realPath(sftp: Handle, path: string): Promise<string>;
  readLink(sftp: Handle, path: string): Promise<string>;
  symlink(sftp: Handle, target: string, linkPath: string): Promise<void>;
  stat(sftp: Handle, path: string): Promise<NativeAttrs>;
  listDir(sftp: Handle, path: string): Promise<{ name: string; attrs: NativeAttrs }[]>;
  serve(server: Handle): Promise<void>;
  close(handle: Handle): Promise<void>;
}

const require = createRequire(import.meta.url);
export const native: Native = require("../build/msb.node");
native.setErrorFactory(errorFor);
