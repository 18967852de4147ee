"""Which resources a scoped rule applies to: tags, and what compute resources reach."""

from __future__ import annotations

from pathlib import Path

from scanner.config import ClassificationConfig
from scanner.engine.graph import Graph
from scanner.engine.scope import classification, in_scope
from scanner.loaders.terraform import TerraformLoader

STACK = """
resource "aws_dynamodb_table" "cards" {
  name     = "cards"
  hash_key = "id"
  attribute {
    name = "id"
    type = "S"
  }
  tags = { data_classification = "cardholder" }
}

resource "aws_s3_bucket" "profiles" {
  bucket = "customer-profiles"
  tags   = { data_classification = "Personal" }
}

resource "aws_iam_role" "profile" {
  name               = "profile"
  assume_role_policy = "{}"
}

resource "aws_iam_policy" "profile" {
  name = "profile"
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{
      Effect   = "Allow"
      Action   = "s3:GetObject"
      Resource = "${aws_s3_bucket.profiles.arn}/*"
    }]
  })
}

resource "aws_iam_role_policy_attachment" "profile" {
  role       = aws_iam_role.profile.name
  policy_arn = aws_iam_policy.profile.arn
}

resource "aws_lambda_function" "profile" {
  function_name = "profile"
  role          = aws_iam_role.profile.arn
  filename      = "profile.zip"
}

resource "aws_lambda_function" "both" {
  function_name = "checkout"
  role          = aws_iam_role.profile.arn
  filename      = "checkout.zip"
  environment {
    variables = { CARDS = "cards" }
  }
}

resource "aws_lambda_function" "plain" {
  function_name = "status"
  role          = "arn:aws:iam::111122223333:role/status"
  filename      = "status.zip"
}

resource "aws_cloudwatch_log_group" "profile" {
  name = "/aws/lambda/profile"
}

resource "aws_cloudwatch_log_group" "plain" {
  name = "/aws/lambda/status"
}

resource "aws_cloudwatch_log_group" "shared" {
  name = "/payments/shared"
}

resource "aws_lambda_function" "card_logger" {
  function_name = "card-logger"
  role          = "arn:aws:iam::111122223333:role/card-logger"
  filename      = "card-logger.zip"
  logging_config {
    log_format = "JSON"
    log_group  = aws_cloudwatch_log_group.shared.name
  }
  tags = { data_classification = "cardholder" }
}

resource "aws_sfn_state_machine" "refunds" {
  name       = "refunds"
  role_arn   = "arn:aws:iam::111122223333:role/refunds"
  definition = "{}"
  tags       = { data_classification = "cardholder" }
}
"""


def _graph(tmp_path: Path, config: ClassificationConfig | None = None) -> Graph:
    (tmp_path / "main.tf").write_text(STACK)
    inventory = TerraformLoader(tmp_path).load([tmp_path])
    return Graph(inventory.resources, config)


def test_classification_from_tags_role_policies_environment_and_log_writers(
    tmp_path: Path,
) -> None:
    graph = _graph(tmp_path)

    found = {
        address: classification(graph.by_address[address], graph)
        for address in (
            "aws_dynamodb_table.cards",
            "aws_s3_bucket.profiles",
            "aws_lambda_function.profile",
            "aws_lambda_function.both",
            "aws_lambda_function.plain",
            "aws_cloudwatch_log_group.profile",
            "aws_cloudwatch_log_group.plain",
            "aws_cloudwatch_log_group.shared",
            "aws_sfn_state_machine.refunds",
            "aws_iam_role.profile",
        )
    }

    assert found == {
        "aws_dynamodb_table.cards": "cardholder",
        "aws_s3_bucket.profiles": "personal",
        "aws_lambda_function.profile": "personal",
        "aws_lambda_function.both": "cardholder",
        "aws_lambda_function.plain": None,
        "aws_cloudwatch_log_group.profile": "personal",
        "aws_cloudwatch_log_group.plain": None,
        "aws_cloudwatch_log_group.shared": "cardholder",
        "aws_sfn_state_machine.refunds": "cardholder",
        "aws_iam_role.profile": None,
    }


def test_scopes_select_by_classification(tmp_path: Path) -> None:
    graph = _graph(tmp_path)
    profile = graph.by_address["aws_lambda_function.profile"]
    plain = graph.by_address["aws_lambda_function.plain"]

    assert [
        in_scope(s, profile, graph) for s in ("any", "cardholder", "personal", "classified")
    ] == [
        True,
        False,
        True,
        True,
    ]
    assert [in_scope(s, plain, graph) for s in ("any", "cardholder", "personal", "classified")] == [
        True,
        False,
        False,
        False,
    ]


def test_configured_values_replace_the_defaults(tmp_path: Path) -> None:
    graph = _graph(tmp_path, ClassificationConfig(cardholder_values=["pan"]))

    assert classification(graph.by_address["aws_dynamodb_table.cards"], graph) is None
    assert classification(graph.by_address["aws_lambda_function.both"], graph) == "personal"
