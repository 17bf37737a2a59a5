" autoload/hypencoder.vim - the client of hypencoderd behind plugin/hypencoder.vim.
"
" One connection per editor to the daemon's Unix socket, speaking JSON-RPC 2.0 with the LSP
" Content-Length framing: in Vim a channel in "lsp" mode on "unix:PATH" (Vim 9.0), in Neovim
" lua/hypencoder.lua (a vim.loop pipe with its own framing) with JSON handled here.
" Every reply goes to the callback its request registered in s:callbacks; $/progress
" notifications to s:on_progress. Protocol: Docs/protocol.md.

let s:save_cpo = &cpo
set cpo&vim

let s:is_nvim = has('nvim')
"! Code given to the callbacks of requests still pending when the connection is lost.
let s:CONNECTION_LOST = -32099
let s:CANCELLED = -32800
let s:METHOD_NOT_FOUND = -32601

let s:channel = v:null          " Vim: the channel
let s:connected_path = ''       " the socket of the open connection
let s:callbacks = {}            " request id -> Funcref(response)
let s:next_id = 0               " Neovim: last request id (Vim numbers its own)
let s:token_count = 0
let s:update_unsupported = 0

" What the plugin is doing and did last; hypencoder#status() returns a copy.
let s:state = {
      \ 'socket': '',
      \ 'pending': {},
      \ 'search': {},
      \ 'last_search': {},
      \ 'superseded': [],
      \ 'indexing': {},
      \ 'last_index': {},
      \ 'last_update': {},
      \ 'updates': 0,
      \ 'progress': [],
      \ 'last_progress': '',
      \ 'cancelled': [],
      \ 'messages': [],
      \ }

" ---------------------------------------------------------------------------------------
" Options

function! s:option(name, default) abort
  return get(b:, 'hypencoder_' . a:name, get(g:, 'hypencoder_' . a:name, a:default))
endfunction

function! s:results() abort
  let k = str2nr(s:option('results', 20))
  return k < 1 ? 20 : (k > 10000 ? 10000 : k)
endfunction

" The socket: g:hypencoder_socket, else $HYPENCODER_SOCKET, else the daemon's default
" ($XDG_RUNTIME_DIR/hypencoder.sock, /run/hypencoder/hypencoder.sock as root, else
" /tmp/hypencoder-$UID.sock), the order of Sources/HypencoderRPC/Client/SocketPath.swift.
function! hypencoder#socket_path() abort
  let chosen = get(g:, 'hypencoder_socket', '')
  if !empty(chosen)
    return expand(chosen)
  endif
  if !empty($HYPENCODER_SOCKET)
    return $HYPENCODER_SOCKET
  endif
  if !empty($XDG_RUNTIME_DIR)
    return $XDG_RUNTIME_DIR . ($XDG_RUNTIME_DIR =~# '/$' ? '' : '/') . 'hypencoder.sock'
  endif
  let uid = s:uid()
  return uid == 0 ? '/run/hypencoder/hypencoder.sock' : '/tmp/hypencoder-' . uid . '.sock'
endfunction

function! s:uid() abort
  if !exists('s:uid_cache')
    let s:uid_cache = -1
    if filereadable('/proc/self/status')
      for line in readfile('/proc/self/status')
        if line =~# '^Uid:'
          let s:uid_cache = str2nr(split(line)[1])
          break
        endif
      endfor
    endif
    if s:uid_cache < 0
      let s:uid_cache = str2nr(trim(system('id -u')))
    endif
  endif
  return s:uid_cache
endfunction

" ---------------------------------------------------------------------------------------
" Messages

function! s:remember(kind, message) abort
  call add(s:state.messages, {'kind': a:kind, 'text': a:message})
  if len(s:state.messages) > 100
    call remove(s:state.messages, 0)
  endif
endfunction

function! s:info(message) abort
  call s:remember('info', a:message)
  echomsg 'Hypencoder: ' . a:message
endfunction

function! s:warn(message) abort
  call s:remember('warning', a:message)
  echohl WarningMsg
  echomsg 'Hypencoder: ' . a:message
  echohl None
endfunction

function! s:error(message) abort
  call s:remember('error', a:message)
  echohl ErrorMsg
  echomsg 'Hypencoder: ' . a:message
  echohl None
endfunction

" Progress: shown, not kept in the message history.
function! s:progress(message) abort
  let s:state.last_progress = a:message
  if s:option('progress', 1)
    if mode() !~# '^c'
      redraw
    endif
    echo 'Hypencoder: ' . a:message
  endif
endfunction

function! s:fire(event) abort
  if exists('#User#' . a:event)
    execute 'doautocmd <nomodeline> User ' . a:event
  endif
endfunction

" ---------------------------------------------------------------------------------------
" Connection

function! s:is_open() abort
  if s:is_nvim
    return luaeval('require("hypencoder").is_open()') ? 1 : 0
  endif
  return type(s:channel) == v:t_channel && ch_status(s:channel) ==# 'open'
endfunction

" Connects unless connected to the socket the options name now. Returns '' when connected,
" else the message to show.
function! s:connect() abort
  let path = hypencoder#socket_path()
  if s:connected_path ==# path && s:is_open()
    return ''
  endif
  call s:disconnect('reconnecting')
  let problem = ''
  if s:is_nvim
    let problem = luaeval('require("hypencoder").connect(_A[1], _A[2])',
          \ [path, str2nr(s:option('connect_timeout', 2000))])
  else
    " No "waittime": Vim 9.0 refuses it for unix: addresses (E475); a Unix socket connects
    " or fails at once anyway.
    try
      let channel = ch_open('unix:' . path, {
            \ 'mode': 'lsp',
            \ 'callback': function('s:on_vim_message'),
            \ 'close_cb': function('s:on_vim_close'),
            \ 'noblock': 1,
            \ })
      if ch_status(channel) ==# 'open'
        let s:channel = channel
      else
        let problem = 'connection failed'
      endif
    catch
      let problem = substitute(v:exception, '^.\{-}E\d\+:\s*\%(Cannot connect to port:\s*\)\=', '', '')
    endtry
  endif
  if !empty(problem)
    return printf('no hypencoderd answers at %s (%s): start the daemon (hypencoderd, or '
          \ . 'systemctl --user start hypencoder.socket), or set $HYPENCODER_SOCKET or '
          \ . 'g:hypencoder_socket to its socket', path, problem)
  endif
  let s:connected_path = path
  let s:state.socket = path
  return ''
endfunction

function! s:disconnect(reason) abort
  if s:is_nvim
    call luaeval('require("hypencoder").close()')
  elseif type(s:channel) == v:t_channel
    if ch_status(s:channel) ==# 'open'
      call ch_close(s:channel)
    endif
  endif
  let s:channel = v:null
  let s:connected_path = ''
  call s:fail_pending(a:reason)
endfunction

" Answers every pending request with a connection error, so that nothing waits forever.
function! s:fail_pending(reason) abort
  let callbacks = s:callbacks
  let s:callbacks = {}
  let s:state.pending = {}
  for [id, Callback] in items(callbacks)
    call s:call(Callback, {'id': str2nr(id), 'error': {'code': s:CONNECTION_LOST,
          \ 'message': 'connection to hypencoderd lost: ' . a:reason}})
  endfor
endfunction

function! s:on_vim_message(channel, message) abort
  call s:dispatch(a:message)
endfunction

function! s:on_vim_close(channel) abort
  if type(s:channel) == v:t_channel && s:channel_id(s:channel) == s:channel_id(a:channel)
    let s:channel = v:null
    let s:connected_path = ''
    call s:fail_pending('the daemon closed the connection')
  endif
endfunction

function! s:channel_id(channel) abort
  try
    return ch_info(a:channel).id
  catch
    return -1
  endtry
endfunction

" Neovim: a message body from lua/hypencoder.lua.
function! hypencoder#_nvim_receive(body) abort
  try
    let message = json_decode(a:body)
  catch
    call s:disconnect('the daemon sent something that is not JSON')
    return
  endtry
  call s:dispatch(message)
endfunction

" Neovim: the daemon closed the connection (lua/hypencoder.lua has closed its pipe).
function! hypencoder#_nvim_closed(reason) abort
  if s:is_open()
    " An older connection: its requests were failed when it was replaced.
    return
  endif
  let s:connected_path = ''
  call s:fail_pending('the daemon closed the connection (' . a:reason . ')')
endfunction

function! s:dispatch(message) abort
  if type(a:message) != v:t_dict
    return
  endif
  if has_key(a:message, 'method')
    if a:message.method ==# '$/progress'
      call s:on_progress(get(a:message, 'params', {}))
    endif
    return
  endif
  let id = get(a:message, 'id', v:null)
  if type(id) != v:t_number || !has_key(s:callbacks, id)
    return
  endif
  let Callback = remove(s:callbacks, id)
  if has_key(s:state.pending, id)
    call remove(s:state.pending, id)
  endif
  call s:call(Callback, a:message)
endfunction

function! s:call(Callback, response) abort
  try
    call a:Callback(a:response)
  catch
    call s:error('internal error: ' . v:exception . ' (' . v:throwpoint . ')')
  endtry
endfunction

" Sends a request whose reply goes to Callback(response); returns its id. Throws
" 'hypencoder: MESSAGE' when no daemon answers.
function! s:request(method, params, Callback) abort
  let problem = s:connect()
  if !empty(problem)
    throw 'hypencoder: ' . problem
  endif
  if s:is_nvim
    let s:next_id += 1
    let id = s:next_id
    let problem = luaeval('require("hypencoder").send(_A)', json_encode(
          \ {'jsonrpc': '2.0', 'id': id, 'method': a:method, 'params': a:params}))
  else
    try
      let sent = ch_sendexpr(s:channel, {'method': a:method, 'params': a:params},
            \ {'callback': function('s:on_vim_message')})
      let id = get(sent, 'id', -1)
      let problem = id < 0 ? 'the channel refused the message' : ''
    catch
      let problem = v:exception
    endtry
  endif
  if !empty(problem)
    call s:disconnect(problem)
    throw 'hypencoder: could not send to hypencoderd at ' . hypencoder#socket_path() . ': ' . problem
  endif
  let s:callbacks[id] = a:Callback
  let s:state.pending[id] = a:method
  return id
endfunction

function! s:notify(method, params) abort
  if !s:is_open()
    return
  endif
  if s:is_nvim
    call luaeval('require("hypencoder").send(_A)', json_encode(
          \ {'jsonrpc': '2.0', 'method': a:method, 'params': a:params}))
  else
    try
      call ch_sendexpr(s:channel, {'method': a:method, 'params': a:params})
    catch
    endtry
  endif
endfunction

" Asks the daemon to cancel a pending request; its reply (normally -32800) still comes.
function! s:cancel_request(id) abort
  if has_key(s:state.pending, a:id)
    call s:notify('$/cancelRequest', {'id': a:id})
    call add(s:state.cancelled, a:id)
  endif
endfunction

function! s:error_text(error) abort
  return type(a:error) == v:t_dict ? get(a:error, 'message', string(a:error)) : string(a:error)
endfunction

function! s:absolute(path) abort
  let path = fnamemodify(a:path, ':p')
  let path = substitute(path, '/\+$', '', '')
  return empty(path) ? '/' : path
endfunction

" ---------------------------------------------------------------------------------------
" Search

" Where a search looks: b:/g:hypencoder_workspace if set, else the current file (the daemon
" searches the indexed workspace containing it), else the working directory.
" Returns [scope, fallback]: when the current file is in no indexed workspace, the working
" directory's is searched instead.
function! s:search_scope() abort
  let chosen = s:option('workspace', '')
  if !empty(chosen)
    return [s:absolute(expand(chosen)), '']
  endif
  let cwd = s:absolute(getcwd())
  let file = expand('%:p')
  if &buftype ==# '' && !empty(file) && (filereadable(file) || isdirectory(fnamemodify(file, ':h')))
    return [file, cwd]
  endif
  return [cwd, '']
endfunction

function! hypencoder#search(query) abort
  let query = trim(a:query)
  if empty(query)
    call s:error('give a query: :HypencoderSearch {query}')
    return
  endif
  let [scope, fallback] = s:search_scope()
  call s:start_search(query, scope, fallback)
endfunction

function! hypencoder#search_prompt() abort
  let query = input('Hypencoder search: ')
  if !empty(trim(query))
    call hypencoder#search(query)
  endif
endfunction

function! hypencoder#search_selection() abort
  let saved = [getreg('"'), getregtype('"')]
  try
    silent normal! gvy
    let query = join(split(getreg('"'), "\n"), ' ')
  finally
    call setreg('"', saved[0], saved[1])
  endtry
  call hypencoder#search(query)
endfunction

" A new search supersedes the running one, which is cancelled ($/cancelRequest).
function! s:start_search(query, scope, fallback) abort
  if !empty(s:state.search)
    call s:cancel_request(s:state.search.id)
    let s:state.search = {}
  endif
  let params = {'query': a:query, 'workspace': a:scope, 'k': s:results(), 'include': ['text']}
  try
    let id = s:request('search', params, function('s:on_search', [a:query, a:scope, a:fallback]))
  catch /^hypencoder:/
    let s:state.last_search = {'query': a:query, 'workspace': a:scope,
          \ 'error': {'message': substitute(v:exception, '^hypencoder:\s*', '', '')}}
    call s:error(s:state.last_search.error.message)
    return
  endtry
  let s:state.search = {'id': id, 'query': a:query, 'workspace': a:scope}
  call s:progress('searching for "' . a:query . '"')
endfunction

function! s:on_search(query, scope, fallback, response) abort
  if empty(s:state.search) || s:state.search.id != a:response.id
    " Superseded by a newer search: its reply (normally the -32800 of the cancellation)
    " changes nothing.
    call add(s:state.superseded, {'id': a:response.id, 'query': a:query,
          \ 'error': get(a:response, 'error', v:null)})
    return
  endif
  let s:state.search = {}
  if has_key(a:response, 'error')
    let error = a:response.error
    let data = get(error, 'data', {})
    if type(data) == v:t_dict && get(data, 'path', '') ==# 'params.workspace' && !empty(a:fallback)
      " The current file is in no indexed workspace: try the working directory.
      call s:start_search(a:query, a:fallback, '')
      return
    endif
    let s:state.last_search = {'query': a:query, 'workspace': a:scope, 'error': error}
    if get(error, 'code', 0) == s:CANCELLED
      call s:info('search cancelled')
    elseif type(data) == v:t_dict && get(data, 'path', '') ==# 'params.workspace'
      call s:error(s:error_text(error) . ' (:HypencoderIndex [dir] indexes a workspace)')
    else
      call s:error('search failed: ' . s:error_text(error))
    endif
    call s:fire('HypencoderSearchDone')
    return
  endif
  let hits = get(a:response.result, 'results', [])
  let items = map(copy(hits), 's:quickfix_item(v:val)')
  call setqflist([], ' ', {'title': 'Hypencoder: ' . a:query, 'items': items,
        \ 'context': {'hypencoder': {'query': a:query, 'workspace': a:scope}}})
  let s:state.last_search = {'query': a:query, 'workspace': a:scope,
        \ 'results': map(copy(hits), 'filter(copy(v:val), "v:key !=# ''text''")')}
  if empty(items)
    call s:info('nothing found for "' . a:query . '"')
  else
    call s:progress(printf('%d results for "%s"', len(items), a:query))
    call s:open_quickfix()
  endif
  call s:fire('HypencoderSearchDone')
endfunction

" file, line and a one-line snippet: the passage's first non-blank line (and where it is).
function! s:quickfix_item(hit) abort
  let text = get(a:hit, 'text', '')
  let lines = type(text) == v:t_string ? split(text, "\n", 1) : []
  let offset = index(map(copy(lines), 'v:val =~# "\\S"'), 1)
  let snippet = offset < 0 ? '' : trim(lines[offset])
  if strchars(snippet) > 200
    let snippet = strcharpart(snippet, 0, 200) . '...'
  endif
  let line = get(a:hit, 'line', v:null)
  let end_line = get(a:hit, 'endLine', v:null)
  let path = get(a:hit, 'path', v:null)
  let item = {'text': snippet}
  if type(line) == v:t_number && line > 0
    let item.lnum = line + max([offset, 0])
    if type(end_line) == v:t_number && end_line >= item.lnum
      let item.end_lnum = end_line
    endif
  endif
  if type(path) == v:t_string && !empty(path)
    let item.filename = path
  else
    let item.text = '[' . get(a:hit, 'id', '?') . '] ' . snippet
    let item.valid = 0
  endif
  return item
endfunction

function! s:open_quickfix() abort
  let how = s:option('open_quickfix', 1)
  if !how
    return
  endif
  let window = win_getid()
  try
    botright copen
    if how != 2
      call win_gotoid(window)
    endif
  catch
    " e.g. in the command-line window: the list is filled all the same
  endtry
endfunction

" ---------------------------------------------------------------------------------------
" Index

function! hypencoder#index(...) abort
  let directory = a:0 && !empty(a:1) ? expand(a:1) : getcwd()
  let root = s:absolute(directory)
  if !isdirectory(root)
    call s:error('not a directory: ' . root)
    return
  endif
  for job in values(s:state.indexing)
    if job.root ==# root
      call s:info('already indexing ' . root)
      return
    endif
  endfor
  let s:token_count += 1
  let token = printf('hypencoder-%d-%d', getpid(), s:token_count)
  try
    let id = s:request('workspace/index', {'root': root, 'workDoneToken': token},
          \ function('s:on_index', [root, token]))
  catch /^hypencoder:/
    let s:state.last_index = {'root': root, 'error': {'message': substitute(v:exception, '^hypencoder:\s*', '', '')}}
    call s:error(s:state.last_index.error.message)
    return
  endtry
  let s:state.indexing[token] = {'id': id, 'root': root, 'title': 'indexing ' . root}
  call s:progress('indexing ' . root . ' ...')
endfunction

function! s:on_progress(params) abort
  if type(a:params) != v:t_dict
    return
  endif
  let token = get(a:params, 'token', '')
  let value = get(a:params, 'value', {})
  call add(s:state.progress, {'token': token, 'value': value})
  if len(s:state.progress) > 200
    call remove(s:state.progress, 0)
  endif
  if type(token) != v:t_string || !has_key(s:state.indexing, token) || type(value) != v:t_dict
    return
  endif
  let job = s:state.indexing[token]
  let kind = get(value, 'kind', '')
  if kind ==# 'begin'
    call s:progress(job.title)
  elseif kind ==# 'report'
    let message = job.title
    if !empty(get(value, 'message', ''))
      let message .= ': ' . value.message
    endif
    if type(get(value, 'percentage', v:null)) == v:t_number
      let message .= ' (' . value.percentage . '%)'
    endif
    call s:progress(message)
  endif
endfunction

function! s:count(dict, key) abort
  let value = type(a:dict) == v:t_dict ? get(a:dict, a:key, 0) : 0
  return type(value) == v:t_number ? value : 0
endfunction

function! hypencoder#index_summary(result) abort
  let files = get(a:result, 'files', {})
  let passages = get(a:result, 'passages', {})
  let skipped = get(a:result, 'skipped', {})
  let names = [['ignored', 'ignored'], ['hidden', 'hidden'], ['binary', 'binary'],
        \ ['tooLarge', 'too large'], ['unreadable', 'unreadable']]
  let skips = []
  for [key, name] in names
    if s:count(skipped, key) > 0
      call add(skips, s:count(skipped, key) . ' ' . name)
    endif
  endfor
  let elapsed = get(a:result, 'elapsedMs', 0)
  let seconds = type(elapsed) == v:t_number || type(elapsed) == v:t_float ? elapsed / 1000.0 : 0.0
  return printf('indexed %s in %.1f s: %d files indexed, %d unchanged, %d removed; '
        \ . '%d passages added, %d removed; skipped %s',
        \ get(a:result, 'root', '?'), seconds,
        \ s:count(files, 'indexed'), s:count(files, 'unchanged'), s:count(files, 'removed'),
        \ s:count(passages, 'added'), s:count(passages, 'removed'),
        \ empty(skips) ? 'none' : join(skips, ', '))
endfunction

function! s:on_index(root, token, response) abort
  if has_key(s:state.indexing, a:token)
    call remove(s:state.indexing, a:token)
  endif
  if has_key(a:response, 'error')
    let s:state.last_index = {'root': a:root, 'error': a:response.error}
    if get(a:response.error, 'code', 0) == s:CANCELLED
      call s:info('indexing ' . a:root . ' cancelled (files finished before stay indexed)')
    else
      call s:error('indexing ' . a:root . ' failed: ' . s:error_text(a:response.error))
    endif
  else
    let result = a:response.result
    let s:state.last_index = {'root': a:root, 'result': result}
    call s:info(hypencoder#index_summary(type(result) == v:t_dict ? result : {}))
  endif
  call s:fire('HypencoderIndexDone')
endfunction

" ---------------------------------------------------------------------------------------
" Save hook

" BufWritePost: re-index the file in whichever indexed workspace contains it (a file in
" none is ignored by the daemon). Silent unless something fails; never complains about a
" missing daemon.
function! hypencoder#on_write(path, buffer) abort
  if empty(a:path) || s:update_unsupported || getbufvar(a:buffer, '&buftype') !=# ''
    return
  endif
  if !s:is_open() && getftype(hypencoder#socket_path()) !=# 'socket'
    return
  endif
  try
    call s:request('workspace/update', {'paths': [a:path]}, function('s:on_update', [a:path]))
    let s:state.updates += 1
  catch /^hypencoder:/
  endtry
endfunction

function! s:on_update(path, response) abort
  if has_key(a:response, 'error')
    let s:state.last_update = {'path': a:path, 'error': a:response.error}
    let code = get(a:response.error, 'code', 0)
    if code == s:METHOD_NOT_FOUND
      let s:update_unsupported = 1
      call s:warn('this hypencoderd has no workspace/update: saved files are not re-indexed')
    elseif code != s:CANCELLED && code != s:CONNECTION_LOST
      call s:warn('re-indexing ' . a:path . ' failed: ' . s:error_text(a:response.error))
    endif
    return
  endif
  let s:state.last_update = {'path': a:path, 'result': a:response.result}
  if s:option('verbose', 0) && s:count(get(a:response.result, 'files', {}), 'indexed') > 0
    call s:info('re-indexed ' . fnamemodify(a:path, ':~:.'))
  endif
endfunction

" ---------------------------------------------------------------------------------------
" Cancel, wait, status

function! hypencoder#cancel() abort
  let ids = empty(s:state.search) ? [] : [s:state.search.id]
  call extend(ids, map(values(s:state.indexing), 'v:val.id'))
  if empty(ids)
    call s:info('nothing to cancel')
    return
  endif
  for id in ids
    call s:cancel_request(id)
  endfor
  call s:progress('cancelling ' . len(ids) . ' request(s)')
endfunction

" Waits until no request of this plugin is pending, at most timeout milliseconds (default
" 60000); returns 1 when none is. For scripts: :HypencoderIndex | call hypencoder#wait()
function! hypencoder#wait(...) abort
  let timeout = a:0 ? a:1 : 60000
  let start = reltime()
  while !empty(s:state.pending)
    if reltimefloat(reltime(start)) * 1000 > timeout
      return 0
    endif
    sleep 10m
  endwhile
  return 1
endfunction

" A copy of the plugin's state (for statuslines, scripts and tests).
function! hypencoder#status() abort
  let status = deepcopy(s:state)
  let status.connected = s:is_open()
  let status.socket_path = hypencoder#socket_path()
  return status
endfunction

function! hypencoder#show_status() abort
  let status = hypencoder#status()
  let busy = []
  if !empty(status.search)
    call add(busy, 'searching for "' . status.search.query . '"')
  endif
  for job in values(status.indexing)
    call add(busy, job.title)
  endfor
  echomsg printf('Hypencoder: %s %s; %s', status.connected ? 'connected to' : 'not connected to',
        \ status.socket_path, empty(busy) ? 'idle' : join(busy, ', '))
endfunction

let &cpo = s:save_cpo
unlet s:save_cpo
