/**
 * Closes what a test file opened, last opened first, whatever failed on the way: a `beforeAll`
 * that fails half-way leaves nothing running (no open handles keeping Jest alive).
 */
export class Cleanup {
  private readonly closers: (() => Promise<unknown>)[] = [];

  /** Registers `resource` to be closed with `close`, and returns it. */
  add<T>(resource: T, close: (resource: T) => Promise<unknown>): T {
    this.closers.push(() => close(resource));
    return resource;
  }

  async run(): Promise<void> {
    for (let close = this.closers.pop(); close !== undefined; close = this.closers.pop()) {
      try {
        await close();
      } catch (e) {
        process.stderr.write(`cleanup failed: ${e instanceof Error ? e.message : String(e)}\n`);
      }
    }
  }
}
