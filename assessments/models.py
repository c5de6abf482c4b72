# Assessment rounds, invitations and ratings arrive with issue 3.
