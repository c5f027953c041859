import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';

export const DOCS_PATH = 'docs';
export const OPENAPI_JSON_PATH = 'docs/json';

const DESCRIPTION = `The settings API of crm-sync (Salesforce Accounts ⇄ HubSpot Companies).

It is the source of truth for connections, credentials, settings, field mappings, API keys and job
requests, and tells the sync engine through Kafka (the control topic); it never calls a CRM.

**Auth**: every endpoint except \`/health\` and these docs needs \`Authorization: Bearer <API key>\`
with a scope: \`read\` < \`write\` < \`admin\`. 401 without a valid key, 403 with too small a scope.

**Errors** always have the body \`{ statusCode, error, message, details? }\`.`;

/** Builds the OpenAPI document from the controllers and serves it with Swagger UI. */
export function setupOpenApi(app: NestFastifyApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('crm-sync settings API')
    .setDescription(DESCRIPTION)
    .setVersion('1')
    .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'An API key: csk_…' })
    .build();
  const document = SwaggerModule.createDocument(app, config);
  SwaggerModule.setup(DOCS_PATH, app, document, {
    jsonDocumentUrl: OPENAPI_JSON_PATH,
    customSiteTitle: 'crm-sync settings API',
  });
  return document;
}
