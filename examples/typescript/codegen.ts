import type { CodegenConfig } from "@graphql-codegen/cli";

// Types for every operation in src/**/*.graphql, checked against the
// server's schema as committed (../../schema.graphql, `csc schema`).
const config: CodegenConfig = {
  schema: "../../schema.graphql",
  documents: ["src/**/*.graphql"],
  overwrite: true,
  generates: {
    "src/generated/graphql.ts": {
      plugins: ["typescript", "typescript-operations", "typed-document-node"],
      config: {
        // Date is "YYYY-MM-DD", DateTime RFC 3339: both arrive as strings.
        scalars: {
          Date: "string",
          DateTime: "string",
        },
        strictScalars: true,
        enumsAsTypes: true,
        useTypeImports: true,
        avoidOptionals: { field: true, inputValue: false, object: true },
      },
    },
  },
};

export default config;
