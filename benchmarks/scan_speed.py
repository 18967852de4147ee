"""Scan speed and memory, side by side with checkov when it is installed.

Generates a synthetic module repository (many files, resource mix of a serverless payment
stack) and times whole processes, as a user or CI runs them:

    python benchmarks/scan_speed.py                      # ledgerguard only
    python benchmarks/scan_speed.py --checkov /path/to/checkov --files 99

Reported: median wall time of `--runs` cold runs for one small file (a pre-commit run) and for
the whole repository, and the peak resident memory of the largest run. Targets: under 0.3 s
for one file, and 20x faster than checkov on the same input with every rule on.
"""

from __future__ import annotations

import argparse
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

RESOURCE_TEMPLATES = (
    """
resource "aws_s3_bucket" "data_{n}" {{
  bucket = "acme-data-{n}"
}}

resource "aws_s3_bucket_public_access_block" "data_{n}" {{
  bucket                  = aws_s3_bucket.data_{n}.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = {flag}
}}
""",
    """
resource "aws_iam_role_policy" "fn_{n}" {{
  name = "fn-{n}"
  role = aws_iam_role.fn_{n}.id
  policy = jsonencode({{
    Version = "2012-10-17"
    Statement = [
      {{
        Effect   = "Allow"
        Action   = ["dynamodb:PutItem"]
        Resource = aws_dynamodb_table.t_{n}.arn
      }},
      {{ Effect = "Allow", Action = local.log_actions, Resource = "*" }},
    ]
  }})
}}

resource "aws_iam_role" "fn_{n}" {{
  name               = "fn-{n}"
  assume_role_policy = data.aws_iam_policy_document.assume.json
}}
""",
    """
resource "aws_dynamodb_table" "t_{n}" {{
  name         = "table-{n}"
  billing_mode = "PAY_PER_REQUEST"
  hash_key     = "pk"
  attribute {{
    name = "pk"
    type = "S"
  }}
  point_in_time_recovery {{
    enabled = {flag}
  }}
  server_side_encryption {{
    enabled     = true
    kms_key_arn = aws_kms_key.data.arn
  }}
}}
""",
    """
resource "aws_lambda_function" "fn_{n}" {{
  function_name = "fn-{n}"
  role          = aws_iam_role.fn_{n}.arn
  runtime       = "python3.12"
  handler       = "app.handler"
  filename      = "fn.zip"
  environment {{
    variables = {{
      TABLE = aws_dynamodb_table.t_{n}.name
      STAGE = var.stage
    }}
  }}
}}

resource "aws_cloudwatch_log_group" "fn_{n}" {{
  name              = "/aws/lambda/fn-{n}"
  retention_in_days = {retention}
}}
""",
)

COMMON = """
variable "stage" {
  type    = string
  default = "prod"
}

locals {
  log_actions = ["logs:CreateLogStream", "logs:PutLogEvents"]
}

resource "aws_kms_key" "data" {
  enable_key_rotation = true
}

data "aws_iam_policy_document" "assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["lambda.amazonaws.com"]
    }
  }
}
"""


def generate(root: Path, files: int) -> Path:
    """Write a module with `files` .tf files and return the path of one small file."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "common.tf").write_text(COMMON)
    for index in range(files - 1):
        body = "".join(
            template.format(
                n=index * 10 + k,
                flag="true" if (index + k) % 3 else "false",
                retention=365 if (index + k) % 2 else 30,
            )
            for k, template in enumerate(RESOURCE_TEMPLATES)
        )
        (root / f"stack_{index:03d}.tf").write_text(body)
    small = root.parent / "single"
    small.mkdir(exist_ok=True)
    (small / "main.tf").write_text(RESOURCE_TEMPLATES[0].format(n=1, flag="false", retention=30))
    return small / "main.tf"


def timed(command: list[str], runs: int) -> float:
    """Median wall time of `runs` cold runs of `command` (exit codes 0 and 1 are fine)."""
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        proc = subprocess.run(command, capture_output=True, check=False)
        samples.append(time.perf_counter() - start)
        if proc.returncode not in (0, 1):
            raise SystemExit(f"{command[0]} failed ({proc.returncode}): {proc.stderr[-400:]!r}")
    return statistics.median(samples)


def main() -> None:
    """Generate the input, time each tool, print a small table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=99)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--checkov", help="path to a checkov executable (its own venv)")
    args = parser.parse_args()

    ledgerguard = shutil.which("ledgerguard") or str(Path(sys.executable).parent / "ledgerguard")
    with tempfile.TemporaryDirectory() as tmp:
        repo = Path(tmp) / "repo"
        single = generate(repo, args.files)
        tools = {"ledgerguard": [ledgerguard, "scan", "--format", "json", "--fail-on", "none"]}
        if args.checkov:
            tools["checkov"] = [
                args.checkov,
                "--quiet",
                "--compact",
                "-o",
                "json",
                "--framework",
                "terraform",
            ]
        results: dict[str, tuple[float, float]] = {}
        for name, base in tools.items():
            one = base + (["-f", str(single)] if name == "checkov" else [str(single)])
            many = base + (["-d", str(repo)] if name == "checkov" else [str(repo)])
            results[name] = (timed(one, args.runs), timed(many, max(1, args.runs // 2)))
        peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024

    blocks = (args.files - 1) * 4 * 2 + 3
    print(f"input: {args.files} files, {blocks} blocks; median of {args.runs} runs")
    print(f"{'tool':<12} {'one file (s)':>13} {'repository (s)':>15}")
    for name, (one, many) in results.items():
        print(f"{name:<12} {one:>13.3f} {many:>15.3f}")
    if "checkov" in results:
        ours, theirs = results["ledgerguard"], results["checkov"]
        print(
            f"speed-up: one file {theirs[0] / ours[0]:.1f}x, repository {theirs[1] / ours[1]:.1f}x"
        )
    print(f"peak RSS of any run: {peak_mb:.0f} MiB")


if __name__ == "__main__":
    main()
