/** What the webhook endpoint needs from configuration; a class so it is its own DI token. */
export class WebhookSettings {
  constructor(
    readonly clientSecret: string,
    /** The URL HubSpot calls, when a proxy changes what the service sees; else derived per request. */
    readonly publicUrl: string | undefined,
    readonly onRejected: (reason: string) => void,
    readonly now: () => number = Date.now,
  ) {}
}
