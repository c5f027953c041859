/** One Salesforce API error, as the REST API reports it: `[{ message, errorCode, fields }]`. */
export class SfError extends Error {
  constructor(
    readonly status: number,
    readonly errorCode: string,
    message: string,
    readonly fields: readonly string[] = [],
    /** Extra properties some errors carry (e.g. `duplicateResult` for DUPLICATES_DETECTED). */
    readonly extra: Readonly<Record<string, unknown>> = {},
  ) {
    super(message);
    this.name = errorCode;
  }

  /** The body of a single-resource REST error response. */
  toBody(withFields = true): Record<string, unknown>[] {
    return [
      {
        ...this.extra,
        message: this.message,
        errorCode: this.errorCode,
        ...(withFields ? { fields: [...this.fields] } : {}),
      },
    ];
  }

  /** The error entry inside a save result (sObject Collections): `{ statusCode, message, fields }`. */
  toSaveError(): Record<string, unknown> {
    return {
      ...this.extra,
      statusCode: this.errorCode,
      message: this.message,
      fields: [...this.fields],
    };
  }
}

export const notFound = () =>
  new SfError(404, 'NOT_FOUND', 'The requested resource does not exist');
export const entityIsDeleted = () => new SfError(404, 'ENTITY_IS_DELETED', 'entity is deleted');
