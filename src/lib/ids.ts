const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Ids in addresses and forms are checked before they reach a query: a malformed one is a 404 or a 400, never a 500. */
export const isUuid = (value: string | null | undefined): value is string => !!value && UUID.test(value);
