import { spawn, type ChildProcess } from "node:child_process";
import type { Readable, Writable } from "node:stream";

export interface ProcessOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  signal?: AbortSignal;
  timeoutMs?: number;
  /** Bytes of stderr kept for the error report; the rest is dropped so a chatty tool cannot fill memory. */
  stderrLimit?: number;
  uid?: number;
  gid?: number;
  stdin?: "pipe" | "ignore";
  stdout?: "pipe" | "ignore";
  /** Own process group, so a signal can reach the whole tree as Ctrl-C in a terminal does. */
  detached?: boolean;
}

export interface ProcessResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
  /** True when the process was stopped by our AbortSignal or timeout. */
  aborted: boolean;
}

export interface RunningProcess {
  child: ChildProcess;
  stdout: Readable;
  stdin: Writable;
  /** Settles when the process has exited; rejects only if it could not be started. */
  done: Promise<ProcessResult>;
}

const KILL_GRACE_MS = 3000;

/** Starts a process whose lifetime is bound to `signal` and `timeoutMs`. */
export function startProcess(command: string, args: readonly string[], options: ProcessOptions = {}): RunningProcess {
  const stderrLimit = options.stderrLimit ?? 64 * 1024;
  const child = spawn(command, args, {
    env: options.env ?? process.env,
    cwd: options.cwd,
    uid: options.uid,
    gid: options.gid,
    stdio: [options.stdin ?? "ignore", options.stdout ?? "pipe", "pipe"],
    detached: options.detached,
  });
  let stderr = "";
  child.stderr?.setEncoding("utf8");
  child.stderr?.on("data", (chunk: string) => {
    if (stderr.length < stderrLimit) stderr += chunk.slice(0, stderrLimit - stderr.length);
  });
  let aborted = false;
  let killTimer: NodeJS.Timeout | undefined;
  const stop = () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    aborted = true;
    child.kill("SIGTERM");
    killTimer = setTimeout(() => child.kill("SIGKILL"), KILL_GRACE_MS);
    killTimer.unref();
  };
  const timeout = options.timeoutMs ? setTimeout(stop, options.timeoutMs) : undefined;
  if (options.signal?.aborted) stop();
  options.signal?.addEventListener("abort", stop, { once: true });

  const done = new Promise<ProcessResult>((resolve, reject) => {
    child.once("error", (error) => {
      cleanup();
      reject(error);
    });
    child.once("close", (code, signal) => {
      cleanup();
      resolve({ code, signal, stderr, aborted });
    });
  });
  function cleanup() {
    if (timeout) clearTimeout(timeout);
    if (killTimer) clearTimeout(killTimer);
    options.signal?.removeEventListener("abort", stop);
  }
  // Writes into a process that exits early fail with EPIPE; the exit status reports the real outcome.
  child.stdin?.on("error", () => {});
  return { child, stdout: child.stdout as Readable, stdin: child.stdin as Writable, done };
}

/** The last `count` lines of a tool's output, joined for a one-line message ("" when it said nothing). */
export function lastLines(text: string, count: number): string {
  return text.trim().split("\n").slice(-count).join("; ");
}

/** Runs a process to completion and collects its stdout as text. */
export async function runProcess(
  command: string,
  args: readonly string[],
  options: ProcessOptions = {},
): Promise<ProcessResult & { stdout: string }> {
  const running = startProcess(command, args, { ...options, stdout: "pipe" });
  let stdout = "";
  running.stdout.setEncoding("utf8");
  running.stdout.on("data", (chunk: string) => {
    stdout += chunk;
  });
  const result = await running.done;
  return { ...result, stdout };
}
