; Facts extracted from every C file; extract.ts reads the matches by capture name.
;
; Cost model (measured on net/ + drivers/net/ + include/): walking the tree costs about a
; quarter of parsing it, whatever the patterns; each match then costs a crossing from wasm
; to JS, and each property read on a node (text, type, children) another. So patterns are
; specific, capture one node where one will do, and extract.ts reads names from the source
; text at the captured start offset instead of asking wasm for node text.

; ---------------------------------------------------------------- definitions
(function_definition body: (compound_statement)) @function

(struct_specifier name: (type_identifier) @struct.name body: (field_declaration_list) @struct.body)
(union_specifier name: (type_identifier) @union.name body: (field_declaration_list) @union.body)
(enum_specifier name: (type_identifier) @enum.name body: (enumerator_list) @enum.body)
(enumerator name: (identifier) @enumerator)
(enumerator_list (comment) @enumerator.comment)
; #define names are found by a line scan in extract.ts: the preprocessor is line-based, so
; the scan is exact, and it saved an eighth of all matches.
(type_definition declarator: (type_identifier) @typedef.name)

; Struct fields that matter for resolving calls: fields of struct type (to follow
; `skb->dev->netdev_ops`) and function-pointer fields. Scalar fields are not captured.
(field_declaration
  type: (struct_specifier) @field.type
  declarator: [
    (field_identifier) @field.name
    (pointer_declarator declarator: (field_identifier) @field.name)
    (pointer_declarator declarator: (pointer_declarator declarator: (field_identifier) @field.name))
    (array_declarator declarator: (field_identifier) @field.name)
  ])
(field_declaration
  type: (_) @field.type
  declarator: [
    (function_declarator declarator: (parenthesized_declarator (pointer_declarator declarator: (field_identifier) @field.fnptr)))
    (pointer_declarator declarator: (function_declarator declarator: (parenthesized_declarator (pointer_declarator declarator: (field_identifier) @field.fnptr))))
  ])

; Declared names: locals inside functions, variables at file scope (extract.ts tells them
; apart by position). Function-pointer declarators are included: they are the variables
; that calls like `rx_handler(&skb)` go through.
(declaration
  declarator: [
    (identifier) @decl.name
    (pointer_declarator declarator: (identifier) @decl.name)
    (array_declarator declarator: (identifier) @decl.name)
    (function_declarator declarator: (parenthesized_declarator (pointer_declarator declarator: (identifier) @decl.name)))
    (init_declarator declarator: [
      (identifier) @decl.var
      (pointer_declarator declarator: (identifier) @decl.var)
      (pointer_declarator declarator: (pointer_declarator declarator: (identifier) @decl.var))
      (array_declarator declarator: (identifier) @decl.var)
      (function_declarator declarator: (parenthesized_declarator (pointer_declarator declarator: (identifier) @decl.var)))
    ])
  ])

; Parameter lists of function definitions (not of prototypes): extract.ts splits the list
; text into names and, for `struct x *p`, the struct each parameter points to.
(function_definition
  declarator: [
    (function_declarator parameters: (parameter_list) @params)
    (pointer_declarator declarator: (function_declarator parameters: (parameter_list) @params))
    (pointer_declarator declarator: (pointer_declarator declarator: (function_declarator parameters: (parameter_list) @params)))
  ])

; Locals declared with a struct type: they narrow calls like `pt_prev->func(...)`.
(declaration
  type: (struct_specifier name: (type_identifier) @local.struct)
  declarator: [
    (identifier) @local.typed
    (pointer_declarator declarator: (identifier) @local.typed)
    (init_declarator declarator: (identifier) @local.typed)
    (init_declarator declarator: (pointer_declarator declarator: (identifier) @local.typed))
  ])

; ---------------------------------------------------------------- calls
; The argument list starts right after the callee; extract.ts scans it from the text.
(call_expression function: (identifier) @call.direct)
(call_expression function: (field_expression argument: (_) @call.receiver field: (field_identifier) @call.field))
; `READ_ONCE(sk->sk_data_ready)(sk)`, `READ_ONCE(n->output)(n, skb)`: a call through a field loaded
; by a value wrapper (extract.ts checks the wrapper is one of kernel-knowledge's valueWrappers).
(call_expression
  function: (call_expression
    function: (identifier) @call.wrapper
    arguments: (argument_list . (field_expression argument: (_) @call.receiver field: (field_identifier) @call.field) .)) @call.wrapped)
; `(*fn)(...)`, `(ops->f)(...)` and other computed callees
(call_expression function: (parenthesized_expression) @call.other arguments: (argument_list) @call.args)

; SNMP_MIB_ITEM("RcvbufErrors", UDP_MIB_RCVBUFERRORS) inside `static const struct snmp_mib t[] = {...}`
(declaration
  declarator: (init_declarator
    declarator: (array_declarator declarator: (identifier) @mib.table)
    value: (initializer_list
      (call_expression
        function: (identifier) @mib.macro
        arguments: (argument_list (string_literal (string_content) @mib.name) (identifier) @mib.const))))
  (#eq? @mib.macro "SNMP_MIB_ITEM"))

; ---------------------------------------------------------------- counter bumps
; Field increments that are not calls: `sd->time_squeeze++`, `++x->f`, `x->f += n`
; (extract.ts drops `--`). Calls that count (atomic_inc, *_INC_STATS) are read from the calls.
(update_expression argument: (field_expression argument: (_) @inc.receiver field: (field_identifier) @inc.field)) @inc.update
(assignment_expression left: (field_expression argument: (_) @inc.receiver field: (field_identifier) @inc.field) operator: "+=")

; ---------------------------------------------------------------- control flow
(goto_statement label: (statement_identifier) @goto.label)
(labeled_statement label: (statement_identifier) @label.name)

; ---------------------------------------------------------------- functions used as values
; `.handler = udp_rcv` directly in `struct net_protocol udp_protocol = {...}`, or one level
; down in an array of structs (`struct nf_hook_ops ops[] = { { .hook = f }, ... }`).
(declaration
  type: (struct_specifier name: (type_identifier) @init.struct)
  declarator: (init_declarator
    declarator: (_) @init.target
    value: (initializer_list
      (initializer_pair
        designator: (field_designator (field_identifier) @init.field)
        value: [(identifier) (pointer_expression argument: (identifier))] @init.value))))
(declaration
  type: (struct_specifier name: (type_identifier) @init.struct)
  declarator: (init_declarator
    declarator: (_) @init.target
    value: (initializer_list
      (initializer_list
        (initializer_pair
          designator: (field_designator (field_identifier) @init.field)
          value: [(identifier) (pointer_expression argument: (identifier))] @init.value)))))
; One level deeper inside a typed declaration: `.callbacks = { .gro_receive = f }` (the field's
; struct is the outer struct's `callbacks` member type, worked out by the call graph) and array
; members `.hooks = { [NF_INET_LOCAL_IN] = f }` (the value flows into `hooks` itself).
(declaration
  type: (struct_specifier name: (type_identifier) @init.struct)
  declarator: (init_declarator
    declarator: (_) @init.target
    value: (initializer_list
      (initializer_pair
        designator: (field_designator (field_identifier) @init.outer)
        value: (initializer_list
          (initializer_pair
            designator: [(field_designator (field_identifier) @init.field) (subscript_designator)]
            value: [(identifier) (pointer_expression argument: (identifier))] @init.value))))))
; The same in a compound literal assigned at run time (6.12's net_hotdata tables):
; `net_hotdata.ip_packet_offload = (struct packet_offload) { .callbacks = { .gso_segment = f } };`
(compound_literal_expression
  type: (type_descriptor type: (struct_specifier name: (type_identifier) @init.struct))
  value: (initializer_list
    (initializer_pair
      designator: (field_designator (field_identifier) @init.field)
      value: [(identifier) (pointer_expression argument: (identifier))] @init.value)))
(compound_literal_expression
  type: (type_descriptor type: (struct_specifier name: (type_identifier) @init.struct))
  value: (initializer_list
    (initializer_pair
      designator: (field_designator (field_identifier) @init.outer)
      value: (initializer_list
        (initializer_pair
          designator: [(field_designator (field_identifier) @init.field) (subscript_designator)]
          value: [(identifier) (pointer_expression argument: (identifier))] @init.value)))))
; Any other designated initializer (compound literals, deeper nesting): no struct type.
(initializer_pair
  designator: (field_designator (field_identifier) @init.field)
  value: [(identifier) (pointer_expression argument: (identifier))] @init.value)

; `vlantap->tap.count_rx_dropped = macvtap_count_rx_dropped;`
(assignment_expression
  left: (field_expression argument: (_) @assign.target field: (field_identifier) @assign.field)
  right: [(identifier) (pointer_expression argument: (identifier))] @assign.value)

; A function pointer copied from one field to another: `new->hooks[n].hook = reg->hook`,
; `udp_sk(sk)->encap_rcv = cfg->encap_rcv`, `ops->hook = type->hooks[num]`. The call graph
; lets what flows into the source field flow into the target field.
(assignment_expression
  left: (field_expression argument: (_) @copy.target field: (field_identifier) @copy.field)
  right: [
    (field_expression argument: (_) @copy.source field: (field_identifier) @copy.from)
    (subscript_expression argument: (field_expression argument: (_) @copy.source field: (field_identifier) @copy.from))
  ])

; Function pointers held in locals: `poll_fn = bnxt_poll_p5;`, `int (*poll_fn)(...) = bnxt_poll;`.
; A local passed on (`netif_napi_add(dev, napi, poll_fn)`) stands for every function it was given.
(assignment_expression
  left: (identifier) @lassign.var
  right: [(identifier) (pointer_expression argument: (identifier))] @lassign.value)
(init_declarator
  declarator: (function_declarator declarator: (parenthesized_declarator (pointer_declarator declarator: (identifier) @lassign.var)))
  value: [(identifier) (pointer_expression argument: (identifier))] @lassign.value)

; Functions returned as values: `return br_handle_frame;`, `return x ? f : g;`. A call to such a
; function passed as an argument (`netdev_rx_handler_register(dev, br_get_rx_handler(dev), p)`)
; passes what it returns.
(return_statement (identifier) @return.value)
(return_statement (conditional_expression consequence: (identifier) @return.value))
(return_statement (conditional_expression alternative: (identifier) @return.value))

; Parse errors are counted from the root's hasError flag, not matched node by node.
