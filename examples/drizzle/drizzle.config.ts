// drizzle-kit's configuration for the example: `npx drizzle-kit generate --config examples/drizzle/drizzle.config.ts`.
export default {
  dialect: 'postgresql',
  schema: './examples/drizzle/schema.ts',
  out: './examples/drizzle/migrations',
}
