import {
  BadRequestException,
  Controller,
  HttpCode,
  Post,
  Req,
  UnauthorizedException,
} from '@nestjs/common';
import type { RawBodyRequest } from '@nestjs/common';
import { exactParser } from '@crm-sync/domain';
import type { FastifyRequest } from 'fastify';
import { WebhookSettings } from './webhook-settings.js';
import { WebhookBatch } from './webhook-events.js';
import { WebhookInbox } from './webhook-inbox.js';
import { verifyWebhook } from './signature.js';

const parseWebhookBatch = exactParser(WebhookBatch);

/** HubSpot's webhook target: verify, publish, acknowledge. Nothing else on the request path. */
@Controller('webhooks')
export class WebhookController {
  constructor(
    private readonly settings: WebhookSettings,
    private readonly inbox: WebhookInbox,
  ) {}

  @Post('hubspot')
  @HttpCode(200)
  async receive(@Req() req: RawBodyRequest<FastifyRequest>): Promise<{ accepted: number }> {
    const body = req.rawBody?.toString('utf8') ?? '';
    const header = (name: string) => {
      const v = req.headers[name];
      return Array.isArray(v) ? v[0] : v;
    };
    const verdict = verifyWebhook(
      {
        method: req.method,
        uri: this.settings.publicUrl ?? `${req.protocol}://${req.host}${req.url}`,
        body,
        signature: header('x-hubspot-signature-v3'),
        timestamp: header('x-hubspot-request-timestamp'),
      },
      this.settings.clientSecret,
      this.settings.now(),
    );
    // Same answer whatever failed: no oracle for forgers; the reason goes to the log only.
    if (!verdict.ok) {
      this.settings.onRejected(verdict.reason);
      throw new UnauthorizedException('invalid webhook signature');
    }
    const parsed = parseWebhookBatch(safeJson(body));
    if (!parsed.success) {
      throw new BadRequestException(
        `not a HubSpot webhook batch: ${parsed.error.issues[0]?.message ?? 'invalid'}`,
      );
    }
    await this.inbox.publish(parsed.data, new Date(this.settings.now()).toISOString());
    return { accepted: parsed.data.length };
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
