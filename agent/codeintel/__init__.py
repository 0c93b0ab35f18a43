"""Code intelligence with tree-sitter: per-language tag queries (:mod:`.queries`), parsing
(:mod:`.parser`), a cached incremental index (:mod:`.index`) that parses many files in
worker processes (:mod:`.workers`), and a ranked repo map (:mod:`.repomap`). Nothing here
imports tree_sitter until a file is parsed, nor numpy until a map is ranked."""
