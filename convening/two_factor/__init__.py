"""Two-factor sign-in: an authenticator app's codes (TOTP) with single-use recovery codes, on django-otp.

Who is asked (`selectors.two_factor_state`), the pages that set it up, check a code and turn it off
(`views`), and the middleware that holds an unverified session to those pages. People who signed in through
the agency's single sign-on are never asked: their provider does its own (convening/sso.py)."""
