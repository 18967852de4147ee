# Key material in Secrets Manager, encrypted with the data CMK. Terraform creates the secrets
# but never their values (a value in Terraform state would be a copy of the key); put them
# after apply as shown in README.md.
#
# Rotation is manual for both, by design:
# - The tokenization key defines the card tokens. Rotating it automatically would give the
#   same card a new token overnight and break velocity checks, settlement and dispute
#   look-ups. Changing it is a re-tokenization project under PCI-DSS 3.6/3.7 key-management
#   procedures (dual control, documented key custodians), not a scheduled job.
# - The API signing key is shared with the token issuer; a rotation must be coordinated with
#   it, and the authorizer accepts one key at a time.

resource "aws_secretsmanager_secret" "tokenization_key" {
  name                    = "${var.name_prefix}/pan-tokenization-key"
  description             = "HMAC-SHA256 key for card tokens (base64, at least 32 bytes)"
  kms_key_id              = aws_kms_key.data.arn
  recovery_window_in_days = 30

  tags = {
    data_classification = "cardholder"
  }
}

resource "aws_secretsmanager_secret" "api_signing_key" {
  name                    = "${var.name_prefix}/api-signing-key"
  description             = "HS256 key of merchants' API bearer tokens (base64, at least 32 bytes)"
  kms_key_id              = aws_kms_key.data.arn
  recovery_window_in_days = 30

  tags = {
    data_classification = "personal"
  }
}
