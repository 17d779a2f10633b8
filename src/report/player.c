/* player: the report's replay player — the steps of replay.jsonl around the
 * largest cascades, frame by frame inside each step.
 *
 * A frame is the book after one event of a step (0: the book at the step's
 * start), built in the page by playing the step's events over the levels
 * replay.jsonl gives for its start, as the engine did them: an order's fills
 * take from the other side, and what it leaves resting joins its side with
 * its last fill. The ladder shows the frame's top ten levels of each side,
 * one row each, with the liquidation prices of the window's liquidations as
 * lines where they fall among them (red once triggered) and as markers at
 * its top or bottom edge beyond them; labels that would overlap are pushed
 * apart, and those with no room left are counted. A strip draws the best bid
 * and ask through the step's frames and its fills, with a cursor at the
 * frame shown; the narration tells the step's events in order, one line
 * each, the frame's line marked, in a box that scrolls. #replay=STEP.K in the
 * page's address opens frame K of step STEP (#replay=STEP: its frame 0), and
 * &play plays on. Its root element #replay carries data-step, data-event and
 * data-events; the ladder #replay-ladder carries data-best-bid and
 * data-best-ask, the frame's best prices in quote currency. The data is JSON
 * written through cas__script_json; nothing is printed.
 *
 * A page may hold two players (the page of two runs): each has its own ids, every one
 * prefixed (struct cas__player's prefix: "" on a page of one run, "b-" for the second run),
 * its own data and its own copy of the script, which reaches its elements only through the
 * prefix; its address key is the prefix and "replay" (#b-replay=STEP.K), one player's
 * buttons and keys move it alone, and it keeps the other players' keys in the address.
 */
#include <cjson/cJSON.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/csv.h"
#include "report/html.h"
#include "report/player.h"

static const char player_style[] =
    "#replay{border:1px solid #ccc;padding:.6em;border-radius:4px}"
    "#replay .controls button{margin:0 .3em .3em 0}#replay .controls input{width:30%;vertical-align:middle}"
    "#replay-ladder,#replay-strip{width:100%;max-width:900px;height:auto;display:block}"
    "#replay-narration{font-family:ui-monospace,monospace;font-size:.85em;white-space:pre-wrap;"
    "height:16em;overflow-y:auto;position:relative;background:#fafafa;border-top:1px solid #eee;"
    "padding:.4em}#replay-narration .now{background:#ffe9a8}#replay-narration .liquidation,"
    "#replay-narration .finished{color:#b00}#replay-narration .cancel{color:#777}"
    ".path{max-width:100%;height:auto;display:block;margin:.5em 0}"
    ".tree-scroll{overflow-x:auto;margin:.5em 0}.tree{max-width:none;display:block}\n";

/* The player's script, one line an element (laid out by hand: a line of script is one
 * string, however long). */
/* clang-format off */
static const char *const player_script[] = {
    "/* P: the prefix of this player's ids and of its address's key (empty on a page of one run) */\n",
    "(function(P){\n",
    "function $(id){return document.getElementById(P+id);}\n",
    "var D=JSON.parse($('replay-data').textContent),KEY=P+'replay';\n",
    "var S=D.steps,root=$('replay'),nar=$('replay-narration');\n",
    "var scrub=$('replay-scrub'),escrub=$('replay-event-scrub');\n",
    "var label=$('replay-label'),NS='http://www.w3.org/2000/svg';\n",
    "var svg=$('replay-ladder'),strip=$('replay-strip');\n",
    "var play=$('replay-play'),i=0,k=0,timer=null,told=-1,lines=[];\n",
    "scrub.max=S.length-1;\n",
    "function el(p,n,a,t){var e=document.createElementNS(NS,n);for(var x in a)e.setAttribute(x,a[x]);if(t!==undefined)e.textContent=t;p.appendChild(e);return e;}\n",
    "function clear(p){while(p.firstChild)p.removeChild(p.firstChild);}\n",
    "function fmt(x){return x===null||x===undefined?'-':(Math.round(x*100)/100).toLocaleString('en-US',{maximumFractionDigits:2});}\n",
    "function kind(a){var t=D.types[a];return t?t.replace(/_/g,' '):'account';}\n",
    "function who(a){return a===null?'the engine':kind(a)+' '+a;}\n",
    "function opp(s){return s=='buy'?'sell':'buy';}\n",
    "function plural(n,w){return n+' '+w+(n==1?'':'s');}\n",
    "/* The book of a frame: lots per price of each side, from the step's start. */\n",
    "function Book(s){var b=this.b={buy:{},sell:{}};s.start.bids.forEach(function(l){b.buy[l[0]]=l[1];});s.start.asks.forEach(function(l){b.sell[l[0]]=l[1];});}\n",
    "Book.prototype.add=function(side,p,d){var m=this.b[side],q=(m[p]||0)+d;if(q>0)m[p]=q;else delete m[p];};\n",
    "Book.prototype.top=function(side,n){var m=this.b[side],ps=Object.keys(m).map(Number);\n",
    " ps.sort(function(x,y){return side=='buy'?y-x:x-y;});return ps.slice(0,n).map(function(p){return [p,m[p]];});};\n",
    "/* One event into the book, as the engine did it: an order's fills take from the other\n",
    " * side; what it leaves resting joins its side with its last fill (at once without one). */\n",
    "function go(bk,st,e){\n",
    " if(e[0]=='order'){st.cur=e;st.left=e[7];if(e[7]==0&&e[8]>0)bk.add(e[3],e[5],e[8]);}\n",
    " else if(e[0]=='fill'){var c=st.cur;if(!c)return;bk.add(opp(c[3]),e[1],-e[2]);st.last=e[1];st.left-=e[2];\n",
    "  if(st.left<=0){if(c[8]>0)bk.add(c[3],c[5],c[8]);st.cur=null;}}\n",
    " else if(e[0]=='cancel')bk.add(e[2],e[3],-e[4]);\n",
    " else if(e[0]=='liquidation')st.lit[e[1]]=true;}\n",
    "function prevLast(n){return n>0&&S[n-1].step==S[n].step-1?S[n-1].last:null;}\n",
    "function frame(n,f){var s=S[n],bk=new Book(s),st={cur:null,left:0,last:prevLast(n),lit:{}};\n",
    " for(var j=0;j<f;j++)go(bk,st,s.events[j]);return {bk:bk,st:st};}\n",
    "/* Every frame's best prices and last trade, for the strip. */\n",
    "var paths={};\n",
    "function path(n){if(paths[n])return paths[n];var s=S[n],bk=new Book(s),st={cur:null,left:0,last:prevLast(n),lit:{}},P=[];\n",
    " function keep(){var b=bk.top('buy',1)[0],a=bk.top('sell',1)[0];P.push([b?b[0]:null,a?a[0]:null]);}\n",
    " keep();s.events.forEach(function(e){go(bk,st,e);keep();});return paths[n]=P;}\n",
    "function lit(id,s,st){var q=D.liqs[id];return q.step<s.step||(q.step==s.step&&!!st.lit[id]);}\n",
    "function ladder(s,fr){clear(svg);var bk=fr.bk,st=fr.st,W=900,L=90,RH=15,T=40,BW=W-L-280;\n",
    " var asks=bk.top('sell',10).reverse(),bids=bk.top('buy',10),gap=asks.length,rows=[];\n",
    " asks.forEach(function(l){rows.push([l[0],l[1],'ask']);});bids.forEach(function(l){rows.push([l[0],l[1],'bid']);});\n",
    " var bb=bids.length?bids[0][0]:null,ba=asks.length?asks[gap-1][0]:null,GH=RH;\n",
    " /* the gap between the sides grows with the liquidation prices inside the spread */\n",
    " if(bb!==null&&ba!==null)Object.keys(D.liqs).forEach(function(id){var p=D.liqs[id].liq;if(p!==null&&p>bb&&p<ba)GH=Math.min(GH+12,RH+180);});\n",
    " function ry(r){return T+r*RH+(r>=gap?GH:0)+RH/2;}\n",
    " var last=rows.length-1,H=ry(Math.max(last,0))+RH+22;svg.setAttribute('viewBox','0 0 '+W+' '+H);\n",
    " svg.setAttribute('data-best-bid',bb===null?'':bb);svg.setAttribute('data-best-ask',ba===null?'':ba);\n",
    " el(svg,'text',{x:4,y:14,'font-size':12,fill:'#1f5fa8'},'best bid '+fmt(bb)+'   best ask '+fmt(ba)+(bb!==null&&ba!==null?' (spread '+fmt(ba-bb)+')':'')+'   last trade '+fmt(st.last)+\n",
    "  '   (at the step\\u2019s end: mark '+fmt(s.mark)+(s.index!==null?', index '+fmt(s.index):'')+')');\n",
    " var maxq=1;rows.forEach(function(l){if(l[1]>maxq)maxq=l[1];});\n",
    " rows.forEach(function(l,r){var w=Math.max(1,BW*l[1]/maxq),y=ry(r);\n",
    "  el(svg,'rect',{x:L,y:y-5,width:w,height:10,fill:l[2]=='bid'?'#2ca02c':'#d62728','fill-opacity':0.6});\n",
    "  el(svg,'text',{x:L-6,y:y+4,'font-size':11,'text-anchor':'end'},fmt(l[0]));\n",
    "  el(svg,'text',{x:L+w+4,y:y+4,'font-size':10,fill:'#444'},l[1]);});\n",
    " if(!rows.length)return;\n",
    " /* the liquidation prices: a line where they fall in the ladder, a marker at its edge beyond it */\n",
    " var hiP=rows[0][0],loP=rows[last][0],inside=[],above=[],below=[];\n",
    " function py(p){for(var r=0;r<last;r++)if(p<=rows[r][0]&&p>=rows[r+1][0])return ry(r)+(ry(r+1)-ry(r))*(rows[r][0]-p)/(rows[r][0]-rows[r+1][0]);return ry(0);}\n",
    " Object.keys(D.liqs).forEach(function(id){var q=D.liqs[id];if(q.liq===null)return;\n",
    "  var m={id:id,q:q,on:lit(id,s,st)};if(q.liq>hiP)above.push(m);else if(q.liq<loP)below.push(m);else{m.y=py(q.liq);inside.push(m);}});\n",
    " /* a scripted account's (a lab's student's) position at the run's end, in blue */\n",
    " D.open.forEach(function(o){var m={id:o.account,q:o,on:false,own:true};if(o.liq>hiP)above.push(m);else if(o.liq<loP)below.push(m);else{m.y=py(o.liq);inside.push(m);}});\n",
    " function tag(m){return m.own?'account '+m.id+' ('+m.q.side+' '+m.q.lots+' at the end)':'#'+m.id+' '+m.q.side;}\n",
    " inside.sort(function(a,b){return a.y-b.y;});var prev=-1e9,placed=[],more=0;\n",
    " inside.forEach(function(m){var c=m.own?'#1f5fa8':m.on?'#d62728':'#999';\n",
    "  el(svg,'line',{x1:L,x2:W-250,y1:m.y,y2:m.y,stroke:c,'stroke-dasharray':m.on?'':'4 3','class':m.on?'level lit':'level'});\n",
    "  var ly=Math.max(m.y+4,prev+12);if(ly>ry(last)+4){more++;return;}prev=ly;\n",
    "  el(svg,'polyline',{points:(W-250)+','+m.y+' '+(W-242)+','+(ly-4)+' '+(W-236)+','+(ly-4),fill:'none',stroke:c,'stroke-width':0.8});\n",
    "  placed.push(el(svg,'text',Object.assign({x:W-4,y:ly,'font-size':10,'text-anchor':'end',fill:c},m.own?{'class':'own'}:{}),tag(m)+' liq '+fmt(m.q.liq)+(m.on?' (triggered)':'')));});\n",
    " if(more&&placed.length)placed[placed.length-1].textContent+=' +'+more+' more';\n",
    " function edge(ms,y,up){if(!ms.length)return;ms.sort(function(a,b){return up?a.q.liq-b.q.liq:b.q.liq-a.q.liq;});\n",
    "  var on=ms.filter(function(m){return m.on;}).length,t=(up?'\\u25b2 ':'\\u25bc ')+plural(ms.length,'liquidation price')+(up?' above':' below')+\n",
    "   (on?' ('+on+' triggered)':'')+': ',parts=ms.filter(function(m){return m.own;}).concat(ms.filter(function(m){return !m.own;})).slice(0,6).map(function(m){return (m.own?'account ':'#')+m.id+' '+fmt(m.q.liq);});\n",
    "  el(svg,'text',{x:L,y:y,'font-size':10,fill:on?'#d62728':'#888','class':'edge'},t+parts.join(', ')+(ms.length>6?', \\u2026':''));}\n",
    " edge(above,T-6,true);edge(below,ry(last)+RH+8,false);}\n",
    "var drawn=-1,cursor=null,sx=null;\n",
    "function drawStrip(n,f){if(drawn==n){if(cursor&&sx)cursor.setAttribute('x1',sx(f)),cursor.setAttribute('x2',sx(f));return;}drawn=n;clear(strip);cursor=sx=null;var P=path(n),s=S[n],W=900,H=110,L=90,R=10,T=8,B=22,lo=Infinity,hi=-Infinity,cur=null;\n",
    " P.forEach(function(p){if(p[0]!==null){lo=Math.min(lo,p[0]);hi=Math.max(hi,p[0]);}if(p[1]!==null){lo=Math.min(lo,p[1]);hi=Math.max(hi,p[1]);}});\n",
    " s.events.forEach(function(e){if(e[0]=='fill'){lo=Math.min(lo,e[1]);hi=Math.max(hi,e[1]);}});\n",
    " if(!(hi>=lo))return;if(hi==lo){hi+=1;lo-=1;}var n1=Math.max(P.length-1,1);\n",
    " function x(j){return L+j/n1*(W-L-R);}function y(p){return T+(hi-p)/(hi-lo)*(H-T-B);}\n",
    " el(strip,'text',{x:L-6,y:T+8,'font-size':10,'text-anchor':'end'},fmt(hi));el(strip,'text',{x:L-6,y:H-B,'font-size':10,'text-anchor':'end'},fmt(lo));\n",
    " el(strip,'text',{x:L,y:H-6,'font-size':10},'step '+s.step+': its start');el(strip,'text',{x:W-R,y:H-6,'font-size':10,'text-anchor':'end'},'its end, '+plural(P.length-1,'event')+' later');\n",
    " /* a side's line breaks where the side is empty */\n",
    " [0,1].forEach(function(sd){var pts=[];function line(){if(pts.length)el(strip,'polyline',{points:pts.join(' '),fill:'none',stroke:sd?'#d62728':'#2ca02c','stroke-width':1.2});pts=[];}\n",
    "  P.forEach(function(p,j){if(p[sd]===null)line();else pts.push(x(j).toFixed(1)+','+y(p[sd]).toFixed(1));});line();});\n",
    " s.events.forEach(function(e,j){if(e[0]=='fill')el(strip,'circle',{cx:x(j+1),cy:y(e[1]),r:1.8,fill:'#1f5fa8'});\n",
    "  if(e[0]=='liquidation')el(strip,'line',{x1:x(j+1),x2:x(j+1),y1:T,y2:H-B,stroke:'#d62728','stroke-width':1,'stroke-opacity':0.5});});\n",
    " sx=x;cursor=el(strip,'line',{x1:x(f),x2:x(f),y1:T-4,y2:H-B+4,stroke:'#000','stroke-width':1.5,id:P+'replay-cursor'});}\n",
    "function cause(c){var p=c.split(':');if(p[0]=='order')return who(+p[1]);if(p[0]=='liquidation')return 'Liquidation '+p[1]+' (the engine)';\n",
    " if(p[0]=='shock')return 'Shock '+p[1];return c;}\n",
    "function line(s,j){var e=s.events[j];\n",
    " if(e[0]=='order'){var lo=Infinity,hi=-Infinity,t=cause(e[2])+': '+({ioc:'IOC',post_only:'post-only'}[e[4]]||e[4])+' '+e[3]+' '+plural(e[6],'lot')+(e[5]!==null?' at '+fmt(e[5]):'');\n",
    "  for(var m=j+1;m<s.events.length&&s.events[m][0]=='fill';m++){lo=Math.min(lo,s.events[m][1]);hi=Math.max(hi,s.events[m][1]);}\n",
    "  var out=[];if(e[7]>0)out.push(e[7]+' filled '+(lo==hi?'at '+fmt(lo):e[3]=='sell'?'from '+fmt(hi)+' down to '+fmt(lo):'from '+fmt(lo)+' up to '+fmt(hi)));\n",
    "  if(e[8]>0)out.push(e[8]+' rest in the book');if(e[6]-e[7]-e[8]>0)out.push((e[6]-e[7]-e[8])+' dropped');return t+(out.length?': '+out.join(', '):'')+'.';}\n",
    " if(e[0]=='fill')return '    fill: '+plural(e[2],'lot')+' at '+fmt(e[1])+'.';\n",
    " if(e[0]=='cancel')return who(e[1])+' took out its '+e[2]+' of '+plural(e[4],'lot')+' at '+fmt(e[3])+'.';\n",
    " var q=D.liqs[e[1]];\n",
    " if(e[0]=='liquidation'){if(!q)return 'Liquidation '+e[1]+' (another cascade).';\n",
    "  return 'Liquidation '+e[1]+': account '+q.account+' ('+kind(q.account)+', '+q.leverage+'\\u00d7) '+q.side+' '+plural(q.lots,'lot')+'; the mark '+fmt(q.mark)+\n",
    "   ' crossed its liquidation price '+fmt(q.liq)+'; set off by '+q.trigger+'.';}\n",
    " return 'Liquidation '+e[1]+' finished'+(q&&q.vwap!==null?': its fills averaged '+fmt(q.vwap):'')+'.';}\n",
    "function narrate(n,f){var s=S[n];if(told!=n){clear(nar);lines=[];told=n;nar.now=null;\n",
    "  var b=s.start.bids[0],a=s.start.asks[0],d=document.createElement('div');\n",
    "  d.textContent='Step '+s.step+', its start: best bid '+fmt(b?b[0]:null)+', best ask '+fmt(a?a[0]:null)+'; '+plural(s.events.length,'event')+' follow, in the order the engine processed them.';\n",
    "  nar.appendChild(d);lines.push(d);\n",
    "  s.events.forEach(function(e,j){var d=document.createElement('div');d.className='ev '+e[0];d.setAttribute('data-event',j+1);\n",
    "   d.textContent='#'+(j+1)+' '+line(s,j);nar.appendChild(d);lines.push(d);});}\n",
    " if(nar.now)nar.now.classList.remove('now');nar.now=lines[f];if(nar.now)nar.now.classList.add('now');\n",
    " var at=lines[f];if(at)nar.scrollTop=Math.max(0,at.offsetTop-nar.clientHeight/3);}\n",
    "function show(n,f){i=Math.max(0,Math.min(S.length-1,n));var s=S[i],ne=s.events.length;k=Math.max(0,Math.min(ne,f));\n",
    " root.setAttribute('data-step',s.step);root.setAttribute('data-event',k);root.setAttribute('data-events',ne);\n",
    " scrub.value=i;escrub.max=ne;escrub.value=k;\n",
    " label.textContent='step '+s.step+', event '+k+' of '+ne+' (step '+(i+1)+' of '+S.length+' here)';\n",
    " var fr=frame(i,k);ladder(s,fr);drawStrip(i,k);narrate(i,k);}\n",
    "/* the address keeps this player's frame, and the other players' addresses it held */\n",
    "function keep(){var o=location.hash.slice(1).split('&').filter(function(p){return /^([a-z]+-)?replay=/.test(p)&&p.indexOf(KEY+'=')!==0;});\n",
    " history.replaceState(null,'','#'+[KEY+'='+S[i].step+'.'+k].concat(o).join('&'));}\n",
    "/* Playing shows each event that moves the market (a fill, a liquidation, an order of the\n",
    " * engine or a shock) and passes over the agents' quiet quoting in one frame. */\n",
    "function loud(e){return e[0]=='fill'||e[0]=='liquidation'||e[0]=='finished'||(e[0]=='order'&&(e[1]===null||e[7]>0));}\n",
    "function next(){var s=S[i],n=s.events.length;if(k>=n){if(i>=S.length-1){stop();return;}show(i+1,0);return 400;}\n",
    " var f=k+1;while(f<n&&!loud(s.events[f-1]))f++;show(i,f);var e=s.events[f-1];\n",
    " return e[0]=='liquidation'?700:e[0]=='fill'?40:400;}\n",
    "function stop(){if(timer){clearTimeout(timer);timer=null;}play.textContent='\\u25b6 play';}\n",
    "function tick(){var d=next();if(timer)timer=setTimeout(tick,d);}\n",
    "function start(){if(timer)return;play.textContent='\\u275a\\u275a pause';timer=setTimeout(tick,300);}\n",
    "function on(id,fn){$(id).addEventListener('click',function(){stop();fn();keep();});}\n",
    "play.addEventListener('click',function(){if(timer)stop();else start();});\n",
    "on('replay-prev-step',function(){show(k>0?i:i-1,0);});on('replay-next-step',function(){show(i+1,0);});\n",
    "on('replay-prev',function(){if(k>0)show(i,k-1);else if(i>0)show(i-1,S[i-1].events.length);});\n",
    "on('replay-next',function(){if(k<S[i].events.length)show(i,k+1);else show(i+1,0);});\n",
    "scrub.addEventListener('input',function(){stop();show(parseInt(scrub.value,10),0);keep();});\n",
    "escrub.addEventListener('input',function(){stop();show(i,parseInt(escrub.value,10));keep();});\n",
    "root.querySelectorAll('.jump').forEach(function(b){b.addEventListener('click',function(){stop();seek(parseInt(b.getAttribute('data-to'),10),0);keep();});});\n",
    "function seek(step,f){var n=0;while(n<S.length-1&&S[n].step<step)n++;show(n,S[n].step==step?f:0);}\n",
    "/* #KEY=STEP.K (or #KEY=STEP), first in the address or after an &; &play right after it plays on */\n",
    "function fromHash(){var m=new RegExp('(?:^#|&)'+KEY+'=(\\\\d+)(?:\\\\.(\\\\d+))?(&play)?').exec(location.hash);if(!m)return false;\n",
    " stop();seek(parseInt(m[1],10),m[2]?parseInt(m[2],10):0);if(m[3])start();root.scrollIntoView();return true;}\n",
    "root.tabIndex=0;root.addEventListener('keydown',function(ev){var d={ArrowRight:'replay-next',ArrowLeft:'replay-prev',PageDown:'replay-next-step',PageUp:'replay-prev-step'}[ev.key];\n",
    " if(d){ev.preventDefault();$(d).click();}else if(ev.key==' '){ev.preventDefault();play.click();}});\n",
    "window.addEventListener('hashchange',fromHash);\n",
    "if(!fromHash())seek(D.start,0);\n",
    NULL, /* then })("PREFIX"); */
};
/* clang-format on */

/* text, with prefix put before every id (after each id=") and after each # that opens
 * "replay" (the style's selectors, the address in the caption): the one place the player's
 * markup and style take the prefix, so that they cannot miss one. */
static void put_prefixed(FILE *html, const char *text, const char *prefix)
{
    for (const char *s = text; *s; s++) {
        fputc(*s, html);
        if ((*s == '#' && strncmp(s + 1, "replay", 6) == 0) ||
            (*s == '"' && s - text >= 3 && strncmp(s - 3, "id=\"", 4) == 0))
            fputs(prefix, html);
    }
}

/* A liquidations.csv number (checked by cas__read_liquidations) as JSON: null when empty. */
static cJSON *liq_number(const struct cas_rows *liq, size_t r, const char *col)
{
    double v = cas__rows_num(liq, r, col);
    return isfinite(v) ? cJSON_CreateNumber(v) : cJSON_CreateNull();
}

/* The player's data: the steps, and the liquidations and accounts they name. Built as
 * JSON and written through cas__script_json, the page's one rule for what goes inside a
 * <script> element. 0 or CAS_ENOMEM. */
static int write_data(FILE *html, const struct cas__player *pl, const char *prefix,
                      struct cas_err *err)
{
    cJSON *root = cJSON_CreateObject(), *steps = cJSON_AddArrayToObject(root, "steps");
    cJSON *liqs = cJSON_AddObjectToObject(root, "liqs"),
          *types = cJSON_AddObjectToObject(root, "types");
    bool ok = cJSON_AddStringToObject(root, "instrument", pl->instrument) &&
              cJSON_AddNumberToObject(root, "start", (double)pl->start) && steps && liqs && types;
    for (size_t k = 0; ok && k < pl->n_steps; k++)
        ok = cJSON_AddItemReferenceToArray(steps, pl->steps[k].json);
    const struct cas_rows *liq = pl->liq;
    for (size_t r = 0; ok && r < liq->n; r++) {
        long long step = cas__rows_int(liq, r, "step");
        if (strcmp(cas__rows_get(liq, r, "instrument"), pl->instrument) != 0 ||
            step < pl->steps[0].step || step > pl->steps[pl->n_steps - 1].step)
            continue;
        cJSON *q = cJSON_AddObjectToObject(liqs, cas__rows_get(liq, r, "id"));
        ok = q && cJSON_AddNumberToObject(q, "step", (double)step) &&
             cJSON_AddStringToObject(q, "account", cas__rows_get(liq, r, "account")) &&
             cJSON_AddStringToObject(q, "side", cas__rows_get(liq, r, "side")) &&
             cJSON_AddNumberToObject(q, "lots", cas__rows_num(liq, r, "lots")) &&
             cJSON_AddItemToObject(q, "leverage", liq_number(liq, r, "leverage")) &&
             cJSON_AddItemToObject(q, "mark", liq_number(liq, r, "mark")) &&
             cJSON_AddItemToObject(q, "liq", liq_number(liq, r, "liquidation_price")) &&
             cJSON_AddItemToObject(q, "vwap", liq_number(liq, r, "fill_vwap")) &&
             cJSON_AddStringToObject(q, "trigger", cas__rows_get(liq, r, "trigger")) &&
             cJSON_AddNumberToObject(q, "cascade", cas__rows_num(liq, r, "cascade"));
    }
    /* the positions scripted accounts (a lab's student) hold at the run's end, with their
     * liquidation prices (accounts.csv's last columns; a row without them is left out) */
    cJSON *open = cJSON_AddArrayToObject(root, "open");
    ok = ok && open;
    for (size_t k = 0; ok && k < pl->acc->n; k++) {
        const struct cas_rows *a = pl->acc;
        const char *lots = cas__rows_get(a, k, "position_lots"),
                   *liqp = cas__rows_get(a, k, "liquidation_price");
        char *end1 = NULL, *end2 = NULL;
        double q = *lots ? strtod(lots, &end1) : NAN, p = *liqp ? strtod(liqp, &end2) : NAN;
        if (strcmp(cas__rows_get(a, k, "type"), "scripted") != 0 ||
            strcmp(cas__rows_get(a, k, "instrument"), pl->instrument) != 0 || !isfinite(q) ||
            *end1 || q == 0 || !isfinite(p) || *end2 || p <= 0)
            continue;
        cJSON *o = cJSON_CreateObject();
        ok = o && cJSON_AddItemToArray(open, o) &&
             cJSON_AddStringToObject(o, "account", cas__rows_get(a, k, "account")) &&
             cJSON_AddStringToObject(o, "side", q > 0 ? "long" : "short") &&
             cJSON_AddNumberToObject(o, "lots", fabs(q)) && cJSON_AddNumberToObject(o, "liq", p);
    }
    for (size_t k = 0; ok && k < pl->acc->n; k++)
        if (!cJSON_GetObjectItemCaseSensitive(types, cas__rows_get(pl->acc, k, "account")))
            ok = cJSON_AddStringToObject(types, cas__rows_get(pl->acc, k, "account"),
                                         cas__rows_get(pl->acc, k, "type"));
    char *text = ok ? cJSON_PrintUnformatted(root) : NULL;
    cJSON_Delete(root); /* the steps were references: they stay */
    if (!text)
        return cas__report_oom(err);
    put_prefixed(html, "<script type=\"application/json\" id=\"replay-data\">", prefix);
    cas__script_json(html, text);
    fputs("</script>\n", html);
    free(text);
    return 0;
}

void cas__player_style(FILE *html, const char *prefix)
{
    put_prefixed(html, player_style, prefix);
}

int cas__report_player(FILE *html, const struct cas__player *pl, struct cas_err *err)
{
    if (pl->n_steps == 0)
        return 0;
    const char *prefix = pl->prefix ? pl->prefix : "";
    put_prefixed(
        html,
        "<section id=\"player\"><h2>Replay</h2>\n"
        "<div id=\"replay\" data-step=\"\" data-event=\"\" data-events=\"\">\n"
        "<div class=\"controls\"><button id=\"replay-play\" type=\"button\">\u25b6 play"
        "</button><button id=\"replay-prev-step\" type=\"button\">\u25c0\u25c0 step</button>"
        "<button id=\"replay-prev\" type=\"button\">\u25c0 event</button>"
        "<button id=\"replay-next\" type=\"button\">event \u25b6</button>"
        "<button id=\"replay-next-step\" type=\"button\">step \u25b6\u25b6</button> "
        "<span id=\"replay-label\"></span><br>"
        "<label>steps <input id=\"replay-scrub\" type=\"range\" min=\"0\" max=\"0\" "
        "value=\"0\"></label> <label>events in the step <input id=\"replay-event-scrub\" "
        "type=\"range\" min=\"0\" max=\"0\" value=\"0\"></label><br>",
        prefix);
    for (size_t k = 0; k < pl->n_jumps; k++)
        fprintf(html, "<button class=\"jump\" type=\"button\" data-to=\"%lld\">cascade %s</button>",
                pl->jumps[k].step, pl->jumps[k].cascade);
    put_prefixed(
        html,
        "</div>\n<svg id=\"replay-ladder\" viewBox=\"0 0 900 380\" "
        "xmlns=\"http://www.w3.org/2000/svg\" data-best-bid=\"\" data-best-ask=\"\" "
        "role=\"img\" aria-label=\"the book's top levels\"></svg>\n"
        "<svg id=\"replay-strip\" viewBox=\"0 0 900 110\" xmlns=\"http://www.w3.org/2000/svg\" "
        "role=\"img\" aria-label=\"the best bid and ask through the step\"></svg>\n"
        "<div id=\"replay-narration\">The player needs JavaScript; the trees and figures "
        "above do not.</div>\n</div>\n",
        prefix);
    put_prefixed(
        html,
        "<p class=\"small\">Frame by frame inside each step: frame 0 is the book at the "
        "step's start, and each event of the step (an order, each of its fills, an order "
        "taken out, a liquidation triggered or finished) is a frame, in the order the "
        "engine processed them. The ladder shows the frame's top ten levels on each side "
        "(bids green, asks red, one row each, lots to the right), the liquidation prices "
        "of this window's liquidations where they fall among them (red once triggered) and "
        "beyond them as markers at the ladder's edge, and in blue the liquidation price of "
        "each position a scripted account (a lab's student) holds at the run's end; the "
        "strip below it, the best bid "
        "(green) and ask (red) through the step's frames, its fills as dots and its "
        "liquidations as red ticks, the cursor at the frame shown. Playing passes over the "
        "agents' quiet quoting and shows every fill and liquidation; with the player "
        "focused, \u2190 and \u2192 go an event back and on, Page Up and Page Down a step, "
        "space plays or pauses. Add "
        "<code>#replay=STEP.K</code> to the page's address to open frame K of a step "
        "(<code>#replay=STEP</code>: its start; <code>&amp;play</code> to play on). From "
        "replay.jsonl.</p>\n",
        prefix);
    int rc = write_data(html, pl, prefix, err);
    if (rc)
        return rc;
    fputs("<script>\n", html);
    for (size_t k = 0; player_script[k]; k++)
        fputs(player_script[k], html);
    fprintf(html, "})(\"%s\");\n</script>\n</section>\n", prefix); /* [a-z-]*: player.h */
    return ferror(html) ? cas__report_err(err, CAS_EIO, NULL, 0, "cannot write the page: %s",
                                          strerror(errno))
                        : 0;
}
