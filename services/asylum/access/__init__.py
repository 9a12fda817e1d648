"""NGO access to cases by the applicant's consent."""
