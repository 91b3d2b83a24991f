/** Datasette 1.0 marks JSON endpoints that are not part of its stable API with this text. */
export const UNSTABLE_API_MESSAGE = "This API is not part of Datasette's stable interface and may change at any time"
