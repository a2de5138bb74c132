ALTER TABLE "conversations" ADD COLUMN "min_seq" bigint DEFAULT 1 NOT NULL;--> statement-breakpoint
CREATE INDEX "events_created_at_idx" ON "events" USING btree ("created_at");