CREATE TABLE "calendar_publications" (
	"year" integer NOT NULL,
	"version" integer NOT NULL,
	"holidays" jsonb NOT NULL,
	"make_up_days" jsonb NOT NULL,
	"published_at" timestamp with time zone NOT NULL,
	"published_by" jsonb,
	CONSTRAINT "calendar_publications_year_version_pk" PRIMARY KEY("year","version")
);
