"""The region each resource is deployed to, from the AWS provider configuration it uses."""

from __future__ import annotations

from pathlib import Path

from scanner.loaders.terraform import TerraformLoader

ROOT = """
variable "region" {
  default = "eu-west-1"
}

variable "unset" {}

provider "aws" {
  region = var.region
}

provider "aws" {
  alias  = "us"
  region = "us-east-1"
}

provider "aws" {
  alias  = "anywhere"
  region = var.unset
}

resource "aws_sqs_queue" "default" {}

resource "aws_sqs_queue" "aliased" {
  provider = aws.us
}

resource "aws_sqs_queue" "unknown" {
  provider = aws.anywhere
}

module "inherits" {
  source = "./child"
}

module "passed" {
  source    = "./child"
  providers = { aws = aws.us }
}
"""


def test_region_comes_from_the_provider_the_resource_uses(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(ROOT)
    (tmp_path / "child").mkdir()
    (tmp_path / "child" / "main.tf").write_text('resource "aws_sns_topic" "t" {}\n')

    inventory = TerraformLoader(tmp_path).load([tmp_path])

    assert {r.address: r.region for r in inventory.resources} == {
        "aws_sqs_queue.default": "eu-west-1",
        "aws_sqs_queue.aliased": "us-east-1",
        "aws_sqs_queue.unknown": None,
        "module.inherits.aws_sns_topic.t": "eu-west-1",
        "module.passed.aws_sns_topic.t": "us-east-1",
    }


def test_no_provider_block_means_no_known_region(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text('resource "aws_sqs_queue" "q" {}\n')

    inventory = TerraformLoader(tmp_path).load([tmp_path])

    assert [r.region for r in inventory.resources] == [None]
