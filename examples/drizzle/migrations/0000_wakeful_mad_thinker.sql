CREATE TABLE "drizzle_accounts" (
	"id" integer PRIMARY KEY NOT NULL,
	"owner" text NOT NULL,
	"balance" bigint NOT NULL,
	"opened_at" timestamp with time zone DEFAULT now() NOT NULL
);
