"""The demo municipality Älvby kommun and its housing company.

`generator` writes their ledgers (the steps it uses sit next to it); `scenario` loads their budget inputs.
"""
