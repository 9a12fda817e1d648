"""Pages for the applicant (`/my-testimony`) and the public (`/public/testimonies`), in Russian and English."""
