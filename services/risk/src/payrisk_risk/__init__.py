"""payrisk risk service: scoring, model lifecycle, merchant and device assessment, scenario matching."""
