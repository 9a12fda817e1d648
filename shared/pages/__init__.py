"""Server-rendered pages for applicants and the public: languages, templates, headers and forms."""
